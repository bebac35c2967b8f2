// Where a door's commands run. In this process (the default: the CLI, the action, the app with
// MEDIC_EXECUTOR=local) they are the core's own functions against this process's engine; the
// app with MEDIC_EXECUTOR=agents hands them to the agent of the engine that holds the
// workspace, and the same door code reads the same results.
import type { CoreDeps, RunOptions } from '../model/deps.js';
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
