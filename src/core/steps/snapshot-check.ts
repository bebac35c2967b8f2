// Before a rollback trusts a snapshot, every entry is checked: it must lie inside the volume
// (`configs` or `configs/…`, relative, no `..`, no absolute path), be a regular file or a
// directory (no links, devices or fifos), and the whole must fit the snapshot cap. A snapshot
// that fails is SNAPSHOT_INVALID and nothing is touched.
import path from 'node:path';
import { SnapshotInvalidError } from '../model/errors.js';
import { printable } from '../model/names.js';
import { readTarEntries } from '../model/tar-read.js';

export interface SnapshotContent {
  readonly entries: number;
  readonly bytes: number;
  /** Whether the snapshot holds /configs/config.yaml as a regular file. */
  readonly hasConfig: boolean;
}

export async function checkSnapshot(tar: Buffer, maxBytes: number): Promise<SnapshotContent> {
  const entries = await readTarEntries(tar, {
    maxEntries: Math.ceil(tar.length / 512) + 1,
    keepContent: () => false,
  }).catch((error: unknown) => {
    throw new SnapshotInvalidError(`the snapshot is not a readable tar archive: ${(error as Error).message}`);
  });
  let bytes = 0;
  let hasConfig = false;
  for (const entry of entries) {
    const name = entry.path.replace(/\/$/, '');
    const normal = path.posix.normalize(name);
    const inside = name === 'configs' || name.startsWith('configs/');
    if (!inside || normal !== name || name.split('/').includes('..') || path.posix.isAbsolute(name)) {
      throw new SnapshotInvalidError(`snapshot entry "${printable(entry.path)}" lies outside /configs`, {
        hint: 'medic will not restore a snapshot it did not take; this one was altered',
      });
    }
    if (entry.type !== 'file' && entry.type !== 'directory') {
      throw new SnapshotInvalidError(
        `snapshot entry "${printable(entry.path)}" is a ${entry.type}, not a file or directory`,
      );
    }
    bytes += entry.size;
    if (bytes > maxBytes)
      throw new SnapshotInvalidError(
        `the snapshot holds more than ${maxBytes} bytes (MEDIC_SNAPSHOT_MAX_BYTES)`,
      );
    if (name === 'configs/config.yaml' && entry.type === 'file') hasConfig = true;
  }
  return { entries: entries.length, bytes, hasConfig };
}
