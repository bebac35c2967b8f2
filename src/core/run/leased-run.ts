// The frame of every run that changes a workspace (recover, rollback): one database session,
// the run recorded before anything happens, the workspace's lease held around the body, a
// lease held elsewhere reported as `busy`, any failure as `failed`, and the result stored.

import type { CoreDeps, RunOptions } from '../model/deps.js';
import type { Queryable } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import { finishRun, insertRun } from '../store/audit-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { LeaseHeldError, withLease } from './lease-step.js';
import type { ResultDraft } from './result-draft.js';
import { RunRecorder } from './run-recorder.js';

export async function leasedRun(
  deps: CoreDeps,
  draft: ResultDraft,
  workspace: WorkspaceRow,
  options: RunOptions,
  body: (session: Queryable, recorder: RunRecorder) => Promise<void>,
): Promise<RecoveryResult> {
  return deps.db.session(async (session) => {
    await insertRun(session, {
      runId: draft.runId,
      workspaceId: workspace.id,
      command: draft.command,
      source: options.source,
      actor: options.actor,
      reason: options.reason ?? null,
      dryRun: options.dryRun ?? false,
      force: options.force ?? false,
      startedAt: draft.startedAt,
    });
    const recorder = new RunRecorder(session, draft.runId, deps.config.leaseTtlS, options.onStep);
    try {
      await withLease(deps, session, recorder, workspace.id, draft.runId, () => body(session, recorder));
    } catch (error) {
      if (error instanceof LeaseHeldError) {
        draft.outcome = 'busy';
        draft.error = error;
      } else {
        draft.fail(error);
      }
    }
    const result = draft.finish(recorder.steps, deps.clock.now());
    await finishRun(session, result);
    deps.logger.info(
      {
        runId: result.runId,
        command: result.command,
        workspace: workspace.id,
        outcome: result.outcome,
        error: result.error?.code,
      },
      'run finished',
    );
    return result;
  });
}
