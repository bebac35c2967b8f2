// How many recoveries a command that recovers many runs at a time (sweep, watch, each agent):
// what the operator said (`--concurrency`), else sized to the engine's CPUs; and the database's
// pool is grown to hold as many sessions, each run holding one from its lease to its end.

import { PER_ENGINE_CPU, recoveriesAtATime } from '../model/concurrency.js';
import type { CoreDeps } from '../model/deps.js';

/**
 * How many recoveries at a time: what the operator said, else sized to the engine
 * (recoveriesAtATime); the database makes room for as many sessions.
 */
export async function atATime(
  deps: CoreDeps,
  said: number | undefined,
): Promise<{ readonly n: number; readonly said: string }> {
  const cpus = said === undefined ? await deps.runtime.engineCpus?.() : null;
  const n = said ?? recoveriesAtATime(cpus);
  deps.db.reserve?.(n);
  const why = said === undefined && cpus ? ` (${PER_ENGINE_CPU} per engine CPU)` : '';
  return { n, said: `${n} at a time${why}` };
}
