// rollback(runId): puts back the volume content that run snapshotted before it seeded, so a
// forced reseed can be undone. It stops the container, replaces /configs with the snapshot,
// and starts the container again; the workspace's status is left to the platform.
import { randomUUID } from 'node:crypto';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { NoSnapshotError, RunNotFoundError } from '../model/errors.js';
import { isUuid, parseTarget, printable } from '../model/names.js';
import type { RecoveryResult } from '../model/result.js';
import { admit } from '../policy/admit.js';
import { ResultDraft } from '../run/result-draft.js';
import { Run } from '../run/run.js';
import { waitRunning } from '../steps/wait-running.js';
import { loadSnapshot, type Snapshot } from '../store/snapshot-store.js';
import { findWorkspace } from '../store/workspace-store.js';

export async function rollback(
  deps: CoreDeps,
  runIdInput: string,
  options: RunOptions,
): Promise<RecoveryResult> {
  const draft = new ResultDraft(randomUUID(), 'rollback', options, deps.clock.now(), runIdInput);
  const runId = runIdInput.trim().toLowerCase();
  const found: { snapshot?: Snapshot } = {};
  // A rollback is elevated: it undoes a run's reseed.
  const admission = await admit(deps, draft, options, {
    elevated: true,
    target: runIdInput,
    resolve: async () => {
      if (!isUuid(runId)) throw new RunNotFoundError(`"${printable(runIdInput)}" is not a run id (a uuid)`);
      const snapshot = await loadSnapshot(deps.db, runId);
      if (!snapshot) {
        throw new NoSnapshotError(
          `run ${runId} took no snapshot (its volume was empty, or the run is unknown)`,
          {
            hint: 'medic history <target> lists runs and their snapshot steps',
          },
        );
      }
      found.snapshot = snapshot;
      return findWorkspace(deps.db, parseTarget(snapshot.workspaceId));
    },
  });
  if (!admission.admitted) return admission.result;
  const snapshot = found.snapshot!;
  draft.found(admission.workspace);
  draft.keptSnapshot({ digest: snapshot.digest, bytes: snapshot.tar.length });
  const reason = options.reason ?? `rollback of run ${runId}`;
  const runOptions = { ...options, reason, dryRun: false, force: false };
  return Run.execute(deps, draft, admission.workspace, runOptions, async (run) => {
    const name = draft.container;
    await run.step('stop', async () => {
      await deps.runtime.stop(name, deps.config.stopTimeoutS);
      return { detail: `stopped ${name}`, value: undefined };
    });
    await run.step('restore', async () => {
      await deps.runtime.restoreConfigs(name, snapshot.tar);
      return {
        detail: `restored ${snapshot.tar.length} bytes from run ${runId} (${snapshot.digest})`,
        value: undefined,
      };
    });
    await run.step('start', async () => {
      await deps.runtime.start(name);
      return {
        detail: await waitRunning(deps.runtime, deps.clock, name, deps.config.startTimeoutS),
        value: undefined,
      };
    });
    return 'recovered';
  });
}
