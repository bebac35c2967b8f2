// The `snapshot` step: what the volume holds, kept under the run before anything is written
// (a rollback restores it).
import { SnapshotTooLargeError } from '../model/errors.js';
import type { ConfigsExport, ReadAhead } from '../model/ports.js';
import { readTarEntries, type TarEntry } from '../model/tar-read.js';
import type { Run } from '../run/run.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import type { Diagnosis } from './diagnose.js';
import { volumeFiles } from './restore-plan.js';

/**
 * The `snapshot` step: what the volume holds now, kept in Postgres under this run (so it can
 * be rolled back); an empty volume is a skipped step. What the volume held once the container
 * had stopped, so nothing written while the agent shut down is missed: the read begun beside
 * the stop when it is confirmed to still hold, else one read now.
 */
export async function keepSnapshot(
  run: Run,
  found: Diagnosis,
  ahead: ReadAhead | null = null,
): Promise<Map<string, TarEntry>> {
  const snapshot = await run.step('snapshot', async () => {
    const early = ahead ? await ahead.settle() : null;
    const { tar, entries } = early ?? (await exportVolume(run, found));
    if (entries === 0) {
      const when = early ? ' (read while it stopped, unchanged since)' : '';
      return { detail: `${found.volume} is empty${when}`, value: null, skipped: true };
    }
    const digest = await saveSnapshot(run.session, run.id, found.workspace.id, tar, run.deps.config.dataKeys);
    return {
      detail: `${entries} entries, ${tar.length} bytes, ${digest}`,
      value: { digest, bytes: tar.length, tar },
    };
  });
  run.draft.keptSnapshot(snapshot && { digest: snapshot.digest, bytes: snapshot.bytes });
  return snapshot ? volumeFiles(await readVolume(snapshot.tar)) : new Map();
}

/** What /configs holds, as a tar, within the snapshot's cap (SNAPSHOT_TOO_LARGE past it). */
export function exportVolume(run: Run, found: Diagnosis): Promise<ConfigsExport> {
  const { runtime, config } = run.deps;
  return runtime.exportConfigs(found.container, config.snapshotMaxBytes).catch((error: unknown) => {
    if (error instanceof RangeError) {
      throw new SnapshotTooLargeError(`${found.volume} holds more than ${config.snapshotMaxBytes} bytes`, {
        hint: 'raise MEDIC_SNAPSHOT_MAX_BYTES; medic does not seed over what it cannot keep',
      });
    }
    throw error;
  });
}

/** The entries of a volume's export, with their bytes (already bounded by the snapshot's cap). */
export function readVolume(tar: Buffer): Promise<TarEntry[]> {
  return readTarEntries(tar, { maxEntries: Math.ceil(tar.length / 512) + 1, keepContent: () => true });
}
