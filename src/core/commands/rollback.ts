import { admit } from '../admission/admit.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { NoSnapshotError, RunNotFoundError } from '../model/errors.js';
import { isUuid, parseTarget, printable } from '../model/names.js';
import type { RecoveryResult } from '../model/result.js';
import { ResultDraft } from '../run/result-draft.js';
import { Run, type RunEnd } from '../run/run.js';
import { diagnoseStep } from '../steps/diagnose-step.js';
import { markOnline } from '../steps/mark-step.js';
import { settleAfterFailure } from '../steps/settle-step.js';
import { checkSnapshot } from '../steps/snapshot-check.js';
import { keepSnapshot } from '../steps/snapshot-step.js';
import { stopIfRunning } from '../steps/stop-step.js';
import { waitRunning } from '../steps/wait-running.js';
import { loadSnapshot, type Snapshot } from '../store/snapshot-store.js';
import { findWorkspace, setStatusGuarded, type WorkspaceRow } from '../store/workspace-store.js';

export async function rollback(
  deps: CoreDeps,
  runIdInput: string,
  options: RunOptions,
): Promise<RecoveryResult> {
  const draft = ResultDraft.begin(deps.clock, 'rollback', options, runIdInput);
  const runId = runIdInput.trim().toLowerCase();
  const found: { snapshot?: Snapshot } = {};
  const admission = await admit(deps, draft, options, {
    target: runIdInput,
    resolve: async () => {
      const { snapshot, workspace } = await rollbackSource(deps, runIdInput);
      found.snapshot = snapshot;
      return workspace;
    },
  });
  if (!admission.admitted) return admission.result;
  draft.found(admission.workspace);
  const reason = options.reason ?? `rollback of run ${runId}`;
  const runOptions = { ...options, reason, dryRun: false, force: false };
  return Run.execute(deps, draft, admission.workspace, runOptions, (run) =>
    restore(run, runId, found.snapshot!),
  );
}

async function restore(run: Run, runId: string, snapshot: Snapshot): Promise<RunEnd> {
  const { runtime, config, clock } = run.deps;
  const d = await diagnoseStep(run);
  const content = await run.step('check', async () => {
    const c = await checkSnapshot(snapshot.tar, config.snapshotMaxBytes);
    return {
      detail: `run ${runId}'s snapshot: ${c.entries} entries, ${c.bytes} bytes, all inside /configs`,
      value: c,
    };
  });
  const name = d.container;
  await stopIfRunning(run, d);
  try {
    await keepSnapshot(run, d); // what is there now, so this rollback can be undone too
    await run.change('restore', async () => {
      await runtime.restoreConfigs(name, snapshot.tar);
      return {
        detail: `restored run ${runId}'s snapshot (${snapshot.tar.length} bytes, ${snapshot.digest})`,
        value: undefined,
      };
    });
    await run.change('start', async () => {
      await runtime.start(name);
      return { detail: await waitRunning(runtime, clock, name, config.startTimeoutS), value: undefined };
    });
  } catch (error) {
    await settleAfterFailure(run, d);
    throw error;
  }
  if (content.hasConfig) {
    await markOnline(run, d);
    return 'recovered';
  }
  // The snapshot has no config.yaml: the workspace runs, but as broken as it was.
  run.draft.status(await setStatusGuarded(run.session, d.workspace.id, 'failed'));
  return 'recovered';
}

/** The run a rollback names: its snapshot and the workspace it belongs to. */
export async function rollbackSource(
  deps: CoreDeps,
  runIdInput: string,
): Promise<{ snapshot: Snapshot; workspace: WorkspaceRow }> {
  const runId = runIdInput.trim().toLowerCase();
  if (!isUuid(runId)) throw new RunNotFoundError(`"${printable(runIdInput)}" is not a run id (a uuid)`);
  const snapshot = await loadSnapshot(deps.db, runId, deps.config.dataKeys);
  if (!snapshot) {
    throw new NoSnapshotError(
      `run ${runId} has no snapshot (its volume was empty, it was pruned, or the run is unknown)`,
      { hint: 'medic history <target> lists runs and their snapshot steps' },
    );
  }
  return { snapshot, workspace: await findWorkspace(deps.db, parseTarget(snapshot.workspaceId)) };
}
