// The steps that change things: stop, snapshot what the volume holds, seed the template with
// its .provisioned marker, start, wait, mark online. If the container was stopped and could
// not be brought back, the row is set to `failed` so that it tells the truth.
import type { CoreDeps } from '../model/deps.js';
import { SnapshotTooLargeError, StatusChangedError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import type { ResultDraft } from '../run/result-draft.js';
import type { RunRecorder } from '../run/run-recorder.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import { setStatusGuarded } from '../store/workspace-store.js';
import { type Diagnosis, MARKER_FILE, type ProvisionedMarker } from './diagnose.js';
import type { Template } from './template-resolver.js';
import { waitRunning } from './wait-running.js';

export async function reseed(
  deps: CoreDeps,
  session: Queryable,
  recorder: RunRecorder,
  draft: ResultDraft,
  found: Diagnosis,
  template: Template,
): Promise<void> {
  const { runtime, config } = deps;
  const name = found.container;
  if (found.state?.running) {
    await recorder.step('stop', async () => {
      await runtime.stop(name, config.stopTimeoutS);
      return { detail: `stopped ${name}`, value: undefined };
    });
  } else {
    await recorder.skip('stop', `${name} was not running`);
  }
  try {
    // One read of the volume, after the stop (so nothing written while the agent shut down is
    // missed), both tells whether it holds anything and is the snapshot. Reading beside the
    // stop would not save time: the engine serialises operations on a container (measured:
    // stop 37 -> 74 ms). An empty volume is recorded as a skipped snapshot, with the read's time.
    draft.snapshot = await recorder.step('snapshot', async () => {
      const { tar, entries } = await runtime
        .exportConfigs(name, config.snapshotMaxBytes)
        .catch((error: unknown) => {
          if (error instanceof RangeError) {
            throw new SnapshotTooLargeError(
              `${found.volume} holds more than ${config.snapshotMaxBytes} bytes`,
              {
                hint: 'raise MEDIC_SNAPSHOT_MAX_BYTES; medic does not seed over what it cannot keep',
              },
            );
          }
          throw error;
        });
      if (entries === 0) return { detail: `${found.volume} is empty`, value: null, skipped: true };
      const digest = await saveSnapshot(session, draft.runId, found.workspace.id, tar);
      return {
        detail: `${entries} entries, ${tar.length} bytes, ${digest}`,
        value: { digest, bytes: tar.length },
      };
    });
    await recorder.step('seed', async () => {
      const marker: ProvisionedMarker = {
        template: template.name,
        digest: template.digest,
        runId: draft.runId,
        time: deps.clock.now().toISOString(),
      };
      const files = [
        ...template.files,
        { path: MARKER_FILE, content: Buffer.from(`${JSON.stringify(marker)}\n`), mode: 0o644 },
      ];
      await runtime.writeConfigs(name, files);
      return {
        detail: `${template.files.length} files from ${template.name} and ${MARKER_FILE}`,
        value: undefined,
      };
    });
  } catch (error) {
    await markFailedIfStopped(session, draft, found);
    throw error;
  }
  await startAndMarkOnline(deps, session, recorder, draft, found);
}

export async function startAndMarkOnline(
  deps: CoreDeps,
  session: Queryable,
  recorder: RunRecorder,
  draft: ResultDraft,
  found: Diagnosis,
): Promise<void> {
  const name = found.container;
  try {
    await recorder.step('start', async () => {
      await deps.runtime.start(name);
      return { detail: `started ${name}`, value: undefined };
    });
    await recorder.step('wait', async () => {
      const state = await waitRunning(deps.runtime, deps.clock, name, deps.config.startTimeoutS);
      return { detail: state, value: undefined };
    });
  } catch (error) {
    await markFailedIfStopped(session, draft, found);
    throw error;
  }
  await recorder.step('mark-online', async () => {
    const after = await setStatusGuarded(session, found.workspace.id, 'online');
    draft.status(after);
    if (after !== 'online') {
      throw new StatusChangedError(`workspace became ${after} during the run; its status was left as is`, {
        hint: 'the container was started; stop it if the platform parked the workspace on purpose',
      });
    }
    return { detail: `status ${found.workspace.status} -> online`, value: undefined };
  });
}

async function markFailedIfStopped(session: Queryable, draft: ResultDraft, found: Diagnosis): Promise<void> {
  const after = await setStatusGuarded(session, found.workspace.id, 'failed').catch(() => null);
  if (after) draft.status(after);
}
