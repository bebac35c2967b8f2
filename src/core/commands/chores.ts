// Chores on a schedule, once per period whatever the number of processes (graphile-worker's
// crontab idea over medic's own table): every process that runs a chore ticks; each tick
// claims the chore's row for the current period (one UPDATE: one process of all gets it),
// runs it and records what it did, or puts it back with the one backoff when it fails, to be
// tried again at a later tick, not the next period. medic.chores is the trail; a period in
// which a frequent chore found nothing to do leaves no row once it has passed.
import { backoffMs } from '../model/backoff.js';
import type { CoreDeps } from '../model/deps.js';
import { claimChore, endChore } from '../store/chore-store.js';

export interface Chore {
  readonly name: string;
  /** Its period: it runs once in each (from the epoch, UTC: a day is a calendar day). */
  readonly everyMs: number;
  /** Does the chore; answers what it did, for the trail, or null when there was nothing to do. */
  run(): Promise<string | null>;
}

export interface ChoreTiming {
  /** How often a process looks for a chore due (ms; unset: the chore's period, at most 5 minutes). */
  readonly tickMs?: number;
  /** The backoff's base after a failure (ms). */
  readonly retryBaseMs: number;
  /** A claim older than this is a dead process's (ms). */
  readonly staleMs: number;
}

const TIMING: ChoreTiming = { retryBaseMs: 60_000, staleMs: 3_600_000 };
const MOST_TICK_MS = 5 * 60_000;

/** The period `now` falls in, as its start (ISO). */
export function periodOf(now: Date, everyMs: number): string {
  return new Date(Math.floor(now.getTime() / everyMs) * everyMs).toISOString();
}

/** One tick: each chore due now and claimed here is run. Answers the names of those run. */
export async function runDueChores(
  deps: CoreDeps,
  chores: readonly Chore[],
  timing: ChoreTiming = TIMING,
): Promise<string[]> {
  const ran: string[] = [];
  for (const chore of chores) {
    const key = { name: chore.name, period: periodOf(deps.clock.now(), chore.everyMs), worker: deps.holder };
    const attempt = await claimChore(deps.db, { ...key, staleMs: timing.staleMs });
    if (attempt === null) continue;
    ran.push(chore.name);
    try {
      await endChore(deps.db, key, { outcome: await chore.run() });
    } catch (error) {
      const retryInMs = backoffMs(attempt, { baseMs: timing.retryBaseMs, capMs: timing.staleMs });
      deps.logger.warn(
        { chore: chore.name, attempt, retryInS: Math.round(retryInMs / 1000), err: (error as Error).message },
        'chore failed; will retry',
      );
      await endChore(deps.db, key, { error: (error as Error).message, retryInMs });
    }
  }
  return ran;
}

/**
 * Ticks now and then each chore every `tickMs` (unset: its period, at most 5 minutes) until
 * the returned function is called.
 */
export function scheduleChores(
  deps: CoreDeps,
  chores: readonly Chore[],
  timing: ChoreTiming = TIMING,
): () => void {
  const timers = chores.map((chore) => {
    const tick = () =>
      runDueChores(deps, [chore], timing).catch((error: unknown) =>
        deps.logger.warn(
          { chore: chore.name, err: (error as Error).message },
          'could not look for chores due; will retry',
        ),
      );
    void tick();
    const timer = setInterval(() => void tick(), timing.tickMs ?? Math.min(MOST_TICK_MS, chore.everyMs));
    timer.unref();
    return timer;
  });
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
