// Where a door's commands run. In this process (the default: the CLI, the action, the app with
// MEDIC_EXECUTOR=local) they are the core's own functions against this process's engine; the
// app with MEDIC_EXECUTOR=agents hands them to the agent of the engine that holds the
// workspace, and the same door code reads the same results.
import { backoffMs } from '../model/backoff.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { asMedicError } from '../model/errors.js';
import type { Clock } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import type { Diagnosis } from '../steps/diagnose.js';
import { type DiagnoseOptions, diagnoseTarget } from './diagnose-target.js';
import { recover } from './recover.js';
import { rollback } from './rollback.js';

export interface Executor {
  recover(target: string, options: RunOptions): Promise<RecoveryResult>;
  rollback(runId: string, options: RunOptions): Promise<RecoveryResult>;
  /** Throws what diagnoseTarget throws (a refusal, a bad target, an engine that is down). */
  diagnose(target: string, options: DiagnoseOptions): Promise<Diagnosis>;
}

export function localExecutor(deps: CoreDeps): Executor {
  return {
    recover: (target, options) => recover(deps, target, options),
    rollback: (runId, options) => rollback(deps, runId, options),
    diagnose: (target, options) => diagnoseTarget(deps, target, options),
  };
}

/**
 * Whether a run that ended with (or threw) this code stopped before its next change because its
 * database session went away: run it again from the start (this executor; an agent's queue).
 */
export function lostItsSession(code: string | undefined): boolean {
  return code === 'LEASE_LOST' || code === 'DATABASE_UNAVAILABLE';
}

/**
 * The executor a long-running door uses on its own host (the app with MEDIC_EXECUTOR=local):
 * a run that lost its database session (a Postgres restart, a failover) is run again from the
 * start, backing off (the one backoff, model/backoff.ts), up to `attempts` times, so that the user is shown what the workspace
 * ended as rather than the restart. (The agents' tasks are tried again by their queue.)
 */
export function retryingExecutor(
  executor: Executor,
  clock: Pick<Clock, 'sleep'>,
  o: { readonly attempts: number; readonly firstDelayMs: number } = { attempts: 4, firstDelayMs: 500 },
): Executor {
  const again = async (run: () => Promise<RecoveryResult>): Promise<RecoveryResult> => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= o.attempts;
      const result = await run().catch((error: unknown) => {
        if (last || asMedicError(error).code !== 'DATABASE_UNAVAILABLE') throw error;
        return null;
      });
      if (result && (last || !lostItsSession(result.error?.code))) return result;
      await clock.sleep(backoffMs(attempt, { baseMs: o.firstDelayMs, capMs: o.firstDelayMs * 8 }));
    }
  };
  return {
    recover: (target, options) => again(() => executor.recover(target, options)),
    rollback: (runId, options) => again(() => executor.rollback(runId, options)),
    diagnose: (target, options) => executor.diagnose(target, options),
  };
}
