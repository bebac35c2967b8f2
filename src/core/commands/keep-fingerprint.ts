// [keep] A look's cheap check: before reading a whole volume (an archive through the
// container, ~150 ms), one stat through the container for each file and folder of the last
// copy (a few ms each; `medic bench` §13). Their sizes, modes and times as at the last full
// read mean nothing was added (a folder's time changes when an entry is added or removed in
// it), removed (a stat would fail) or rewritten (a file's size or time changes): the look
// keeps nothing new without reading. A write that keeps a file's size and sets its time back
// is not seen by a stat; a full read at least once a day bounds how long it goes unseen.
import type { CoreDeps } from '../model/deps.js';
import { lastFullLook } from '../store/keep-look-store.js';
import type { KeptCopy } from '../store/keep-store.js';

export const FULL_READ_EVERY_MS = 24 * 3_600_000;

/** '' (/configs itself), every folder on the way to a file, and every file of the copy. */
export function statPaths(copy: KeptCopy): string[] {
  const paths = new Set<string>(['']);
  for (const { path } of copy.manifest) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) paths.add(parts.slice(0, i).join('/'));
    paths.add(path);
  }
  return [...paths].sort();
}

/** The fingerprint of the copy's files and folders now, or null (no cheap check on this runtime, or one is gone). */
export async function fingerprintNow(
  deps: CoreDeps,
  container: string,
  copy: KeptCopy | null,
): Promise<string | null> {
  if (!copy || !deps.runtime.configsFingerprint) return null;
  return deps.runtime.configsFingerprint(container, statPaths(copy));
}

/** True when the volume provably holds what the last full read found (within a day of it). */
export async function unchangedSinceFullRead(
  deps: CoreDeps,
  container: string,
  workspaceId: string,
  last: KeptCopy,
): Promise<boolean> {
  const full = await lastFullLook(deps.db, workspaceId);
  if (!full || deps.clock.now().getTime() - full.at.getTime() >= FULL_READ_EVERY_MS) return false;
  return (await fingerprintNow(deps, container, last)) === full.fingerprint;
}
