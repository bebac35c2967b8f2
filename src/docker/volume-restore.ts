// Restoring /configs from a snapshot without ever leaving it half-written. The snapshot is
// first written beside the current content, into a staging directory inside the volume, by
// the engine's archive endpoint (only under /configs: every entry is renamed into the staging
// directory). A short-lived helper then swaps the two with renames, undoing its own moves if
// any fails, so a failure leaves the previous content in place. The helper runs the
// workspace's image pinned by id, as the volume's owner, with no network, every capability
// dropped, a read-only root and no new privileges.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { z } from 'zod';
import {
  CONFIGS_MOUNT,
  ContainerNotFoundError,
  DockerOperationError,
  printable,
  readTarEntries,
  SnapshotInvalidError,
} from '../core/index.js';
import { engineCall } from './engine-errors.js';

const waitSchema = z.object({ StatusCode: z.number() });

export const STAGING_PREFIX = '.medic-restore-';

/**
 * The snapshot's entries (`configs/…`), renamed into `<staging>/…` for a putArchive at
 * /configs. Docker writes a PAX `path` record for a non-ASCII or long name, and a PAX record
 * wins over the header's name: carried over, it would put the entry back at `configs/…`,
 * outside the staging directory, where the swap never looks. So PAX `path` and `linkpath`
 * are dropped (the packer writes its own for the new name), and the staged archive is read
 * back and every entry checked to lie under the staging directory before it is used.
 */
export async function stageArchive(snapshot: Buffer, staging: string, owner: Owner = ROOT): Promise<Buffer> {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    if (header.type !== 'file' && header.type !== 'directory') {
      stream.resume();
      extract.destroy(
        new SnapshotInvalidError(
          `snapshot entry "${printable(header.name)}" is a ${header.type}, not a file or directory`,
        ),
      );
      return;
    }
    const rest = header.name.replace(/^configs\/?/, '');
    const pax: Record<string, string> = { ...(header.pax as Record<string, string> | undefined) };
    // The name is the packer's own; the owner is the volume's: a PAX record would win over both.
    for (const key of ['path', 'linkpath', 'uid', 'gid', 'uname', 'gname']) delete pax[key];
    const entry = {
      ...header,
      name: rest ? `${staging}/${rest}` : `${staging}/`,
      pax: Object.keys(pax).length > 0 ? pax : undefined,
      ...dataNotPrivileges(header.mode, owner),
    };
    stream.pipe(pack.entry(entry, next));
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (error) => pack.destroy(error));
  extract.end(snapshot);
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  const staged = Buffer.concat(chunks);
  await checkStaged(staged, staging);
  return staged;
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}
const ROOT: Owner = { uid: 0, gid: 0 };

/**
 * What a restored entry keeps: its data and its permission bits, not privileges. setuid and
 * setgid are cleared and the owner is the volume's, whatever the snapshot's header says, so a
 * snapshot altered to carry a setuid-root file brings back a plain file.
 */
export function dataNotPrivileges(mode: number | undefined, owner: Owner) {
  return { mode: (mode ?? 0o644) & 0o1777, uid: owner.uid, gid: owner.gid, uname: '', gname: '' };
}

/** Every entry of the staged archive, as the engine will read it, lies under `staging/`. */
async function checkStaged(staged: Buffer, staging: string): Promise<void> {
  const entries = await readTarEntries(staged, {
    maxEntries: Math.ceil(staged.length / 512) + 1,
    keepContent: () => false,
  });
  for (const entry of entries) {
    const name = entry.path;
    if (name !== `${staging}/` && name !== staging && !name.startsWith(`${staging}/`)) {
      throw new SnapshotInvalidError(
        `staging the snapshot put "${printable(name)}" outside ${staging}/; nothing was restored`,
      );
    }
    if (name.split('/').includes('..')) {
      throw new SnapshotInvalidError(`staged entry "${printable(name)}" climbs out of ${staging}/`);
    }
  }
}

/** The helper's shell script: swap the staging directory's content into /configs, or undo. */
export function swapScript(staging: string, previous: string): string {
  const each = (dir: string) => `"${dir}"/* "${dir}"/.[!.]* "${dir}"/..?*`;
  return [
    `cd ${CONFIGS_MOUNT} || exit 10`,
    `S=${staging}; O=${previous}`,
    'mkdir "$O" || exit 11',
    // Put back what phase one moved, and drop the staging copy: the previous content, whole.
    'undo1() { for f in ' +
      each('$O') +
      '; do [ -e "$f" ] || [ -L "$f" ] || continue; mv -- "$f" ./ || exit 13; done; rmdir "$O"; rm -rf "$S"; exit 12; }',
    // Move the new content back into staging first, then undo phase one.
    'undo2() { for f in * .[!.]* ..?*; do [ -e "$f" ] || [ -L "$f" ] || continue; [ "$f" = "$S" ] || [ "$f" = "$O" ] || mv -- "$f" "$S"/ || exit 13; done; undo1; }',
    'for f in * .[!.]* ..?*; do [ -e "$f" ] || [ -L "$f" ] || continue; [ "$f" = "$S" ] || [ "$f" = "$O" ] || mv -- "$f" "$O"/ || undo1; done',
    `for f in ${each('$S')}; do [ -e "$f" ] || [ -L "$f" ] || continue; mv -- "$f" ./ || undo2; done`,
    'rmdir "$S" || undo2',
    // The new content is in place; a leftover copy of the old one is only untidy.
    'rm -rf "$O" || exit 14',
  ].join('\n');
}

/** The helper container's options: least privilege, pinned image, the volume only. */
export function helperSpec(o: {
  imageId: string;
  volume: string;
  user: string;
  script: string;
  container: string;
}): Docker.ContainerCreateOptions {
  return {
    Image: o.imageId,
    User: o.user,
    Entrypoint: ['/bin/sh', '-c', o.script],
    Cmd: [],
    NetworkDisabled: true,
    Labels: { 'workspace-medic.helper': o.container },
    HostConfig: {
      Binds: [`${o.volume}:${CONFIGS_MOUNT}`],
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
    },
  };
}

/** A fresh pair of names for the staging directory and the previous content. */
export function swapNames(): { staging: string; previous: string } {
  const nonce = randomBytes(6).toString('hex');
  return { staging: `${STAGING_PREFIX}${nonce}`, previous: `.medic-previous-${nonce}` };
}

/** uid:gid of /configs itself, from the first header of its archive (the volume's owner). */
export async function volumeOwner(archive: NodeJS.ReadableStream): Promise<string> {
  const extract = tar.extract();
  return new Promise<string>((resolve, reject) => {
    let found = false;
    extract.on('entry', (header, stream) => {
      if (!found) resolve(`${header.uid ?? 0}:${header.gid ?? 0}`);
      found = true;
      stream.resume();
      extract.destroy();
      (archive as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    });
    extract.on('error', (error) => (found ? undefined : reject(error)));
    extract.on('finish', () => (found ? undefined : resolve('0:0')));
    archive.pipe(extract);
  });
}

/**
 * Replaces /configs with a snapshot (entries `configs/…`, checked by the core first), staged
 * so that a failure leaves the previous content (volume-restore.ts).
 */
export async function restoreVolume(docker: Docker, name: string, snapshot: Buffer): Promise<void> {
  const container = docker.getContainer(name);
  const info = await engineCall(`inspect ${name}`, () => container.inspect(), name);
  const volume = info.Mounts.find((m) => m.Destination === CONFIGS_MOUNT && m.Type === 'volume')?.Name;
  if (!volume) throw new ContainerNotFoundError(`container ${name} has no config volume to restore into`);
  const user = await volumeOwner(
    await engineCall(
      `read ${CONFIGS_MOUNT} of ${name}`,
      () => container.getArchive({ path: CONFIGS_MOUNT }),
      name,
    ),
  );
  const { staging, previous } = swapNames();
  const [uid, gid] = user.split(':').map(Number);
  const staged = await stageArchive(snapshot, staging, { uid: uid ?? 0, gid: gid ?? 0 });
  const helper = (script: string) =>
    runHelper(docker, helperSpec({ imageId: info.Image, volume, user, script, container: name }), name);
  try {
    await engineCall(
      `stage the snapshot in ${CONFIGS_MOUNT} of ${name}`,
      () => container.putArchive(staged, { path: CONFIGS_MOUNT }),
      name,
    );
  } catch (error) {
    await helper(`rm -rf ${CONFIGS_MOUNT}/${staging}`).catch(() => undefined);
    throw error;
  }
  const code = await helper(swapScript(staging, previous));
  if (code === 0 || code === 14) return;
  throw new DockerOperationError(
    code === 12
      ? `restoring ${CONFIGS_MOUNT} of ${name} failed; the previous content was put back`
      : `restoring ${CONFIGS_MOUNT} of ${name} failed midway (helper exit ${code}); the previous content is in ${CONFIGS_MOUNT}/${previous}`,
  );
}

/** Runs a helper container to its end; returns its exit code. */
async function runHelper(docker: Docker, spec: Docker.ContainerCreateOptions, name: string): Promise<number> {
  const helper = await engineCall('create a helper container', () => docker.createContainer(spec), name);
  try {
    await helper.start();
    return waitSchema.parse(await helper.wait()).StatusCode;
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}
