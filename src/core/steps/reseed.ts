// The steps that change things: stop, snapshot what the volume holds, seed the template with
// its .provisioned marker, start, wait, mark online. If the container was stopped and could
// not be brought back, the row is set to `failed` so that it tells the truth.
import { SnapshotTooLargeError, StatusChangedError } from '../model/errors.js';
import type { Run } from '../run/run.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import { setStatusGuarded } from '../store/workspace-store.js';
import { type Diagnosis, MARKER_FILE, type ProvisionedMarker } from './diagnose.js';
import type { Template } from './template-resolver.js';
import { waitRunning } from './wait-running.js';

export async function reseed(run: Run, found: Diagnosis, template: Template): Promise<void> {
  const { runtime, config, clock } = run.deps;
  const name = found.container;
  if (found.state?.running) {
    await run.step('stop', async () => {
      await runtime.stop(name, config.stopTimeoutS);
      return { detail: `stopped ${name}`, value: undefined };
    });
  } else {
    await run.skip('stop', `${name} was not running`);
  }
  try {
    // One read of the volume, after the stop (so nothing written while the agent shut down is
    // missed), both tells whether it holds anything and is the snapshot. Reading beside the
    // stop would not save time: the engine serialises operations on a container (measured:
    // stop 37 -> 74 ms). An empty volume is recorded as a skipped snapshot, with the read's time.
    const snapshot = await run.step('snapshot', async () => {
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
      const digest = await saveSnapshot(run.session, run.id, found.workspace.id, tar);
      return {
        detail: `${entries} entries, ${tar.length} bytes, ${digest}`,
        value: { digest, bytes: tar.length },
      };
    });
    run.draft.keptSnapshot(snapshot);
    await run.step('seed', async () => {
      const marker: ProvisionedMarker = {
        template: template.name,
        digest: template.digest,
        runId: run.id,
        time: clock.now().toISOString(),
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
    await markFailedIfStopped(run, found);
    throw error;
  }
  await startAndMarkOnline(run, found);
}

export async function startAndMarkOnline(run: Run, found: Diagnosis): Promise<void> {
  const { deps } = run;
  const name = found.container;
  try {
    await run.step('start', async () => {
      await deps.runtime.start(name);
      return { detail: `started ${name}`, value: undefined };
    });
    await run.step('wait', async () => {
      const state = await waitRunning(deps.runtime, deps.clock, name, deps.config.startTimeoutS);
      return { detail: state, value: undefined };
    });
  } catch (error) {
    await markFailedIfStopped(run, found);
    throw error;
  }
  await run.step('mark-online', async () => {
    const after = await setStatusGuarded(run.session, found.workspace.id, 'online');
    run.draft.status(after);
    if (after !== 'online') {
      throw new StatusChangedError(`workspace became ${after} during the run; its status was left as is`, {
        hint: 'the container was started; stop it if the platform parked the workspace on purpose',
      });
    }
    return { detail: `status ${found.workspace.status} -> online`, value: undefined };
  });
}

async function markFailedIfStopped(run: Run, found: Diagnosis): Promise<void> {
  const after = await setStatusGuarded(run.session, found.workspace.id, 'failed').catch(() => null);
  if (after) run.draft.status(after);
}
