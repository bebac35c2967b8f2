// Reading /configs while the workspace stops. The engine queues operations on one container, so
// a read through the workspace's own container waits behind its stop (measured: the stop took
// twice as long and nothing was saved). A helper container that mounts the same volume (created,
// never started, read-only, no network) has a queue of its own: its read of ~40-60 ms fits inside
// the stop's ~80-90 ms. What the read saw only counts if the volume provably did not change
// between the read and the moment the workspace had stopped; see `confirms`.
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { z } from 'zod';
import { CONFIGS_MOUNT, type ConfigsExport, type ReadAhead } from '../core/index.js';
import { exportThrough } from './tar-export.js';

/** Every helper carries it, so that one a crashed process left behind can be found (`medic prune`). */
export const HELPER_LABEL = 'workspace-medic.helper';
/** ...and names the volume it reads. */
const VOLUME_LABEL = 'workspace-medic.volume';

const pathStatSchema = z.object({ mode: z.number(), mtime: z.string(), size: z.number() });
type DirStat = z.infer<typeof pathStatSchema>;

/** What the helper saw, and how the engine describes the helper's mount of the volume. */
export interface Sighting {
  readonly before: DirStat;
  readonly entries: number;
  /** The helper's creation time, on the engine's clock (before `before` was taken). */
  readonly created: string;
  /** The volume's driver ('local' for a named volume on the engine's own disk). */
  readonly driver: string | null;
}

/**
 * Whether `after` (taken once the workspace had stopped) proves that /configs still holds
 * what the read saw. Only an empty volume is confirmed this cheaply: a directory's mtime
 * changes when an entry is added, removed or renamed in it, so an unchanged mtime on an empty
 * directory means it stayed empty; a file rewritten in place would not show in it, so a
 * non-empty volume is read again after the stop. File timestamps come from a coarse clock (one
 * tick, at most 10 ms): a directory changed in the 50 ms before the helper existed could change
 * again within the same tick unseen, so it is not confirmed either. A local volume only (another
 * driver's timestamps may come from another machine's clock).
 */
export function confirms(seen: Sighting, after: DirStat): boolean {
  if (seen.entries !== 0 || seen.driver !== 'local') return false;
  const changed = Date.parse(seen.before.mtime);
  const helperBorn = Date.parse(seen.created);
  if (!Number.isFinite(changed) || !Number.isFinite(helperBorn) || changed > helperBorn - 50) return false;
  return (
    after.mtime === seen.before.mtime && after.size === seen.before.size && after.mode === seen.before.mode
  );
}

async function statDir(helper: Docker.Container): Promise<DirStat> {
  const response = (await helper.infoArchive({ path: CONFIGS_MOUNT })) as {
    headers?: Record<string, string | string[] | undefined>;
    resume?: () => void;
  };
  response.resume?.(); // a HEAD answer left unread keeps its socket
  const header = response.headers?.['x-docker-container-path-stat'];
  if (typeof header !== 'string') throw new Error('the engine sent no path stat');
  return pathStatSchema.parse(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
}

/**
 * Starts the read now, through a helper made from the workspace's image (any local image would
 * do: the helper is never started; the workspace's is the one sure to be there). Every failure
 * (the image's tag moved, the engine refused the helper) ends in `settle` answering null, and
 * the caller reads through the stopped workspace as before; the helper is removed either way.
 */
export function readAhead(docker: Docker, image: string, volume: string, maxBytes: number): ReadAhead {
  const made = docker.createContainer({
    name: `medic-snapshot-${randomUUID().slice(0, 12)}`,
    Image: image,
    Entrypoint: ['/workspace-medic-helper-is-never-started'],
    Cmd: [],
    Labels: { [HELPER_LABEL]: 'snapshot', [VOLUME_LABEL]: volume },
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Mounts: [{ Type: 'volume', Source: volume, Target: CONFIGS_MOUNT, ReadOnly: true }],
    },
  });
  // Helpers of this volume that a process which died mid-run left behind go now, beside the
  // stop (this run holds the workspace's lease, so no other run is using one).
  made.then(
    (helper) =>
      removeHelpers(docker, { volumes: new Set([volume]), except: helper.id }).catch(() => undefined),
    () => undefined, // settle() answers null for a helper never made
  );
  const seen = made.then(async (helper) => {
    const [before, info] = await Promise.all([statDir(helper), helper.inspect()]);
    const { tar, entries } = await exportThrough(helper, maxBytes);
    const mount = info.Mounts.find((m) => m.Destination === CONFIGS_MOUNT);
    return { tar, sighting: { before, entries, created: info.Created, driver: mount?.Driver ?? null } };
  });
  seen.catch(() => undefined); // settle() answers for it
  const remove = () =>
    made.then(
      (helper) => helper.remove({ force: true }).catch(() => undefined),
      () => undefined,
    );
  let removed: Promise<unknown> | null = null;
  return {
    async settle(): Promise<ConfigsExport | null> {
      try {
        const { tar, sighting } = await seen;
        if (sighting.entries !== 0) return null;
        const after = await statDir(await made);
        return confirms(sighting, after) ? { tar, entries: 0 } : null;
      } catch {
        return null;
      } finally {
        removed ??= remove();
      }
    },
    discard: () => (removed ??= remove()),
  };
}

/**
 * Removes helpers left behind by a process that died mid-run (they hold the volume, which the
 * platform then cannot remove): those of `volumes` but `except`, or all older than `olderThanMs`.
 * With `dryRun`, removes nothing. Answers their names.
 */
export async function removeHelpers(
  docker: Docker,
  which: {
    readonly volumes?: ReadonlySet<string>;
    readonly except?: string;
    readonly olderThanMs?: number;
    readonly dryRun?: boolean;
  },
): Promise<string[]> {
  const helpers = await docker.listContainers({ all: true, filters: { label: [HELPER_LABEL] } });
  const cutoff = Date.now() - (which.olderThanMs ?? 0);
  const gone = helpers.filter(
    (h) =>
      h.Id !== which.except &&
      h.Created * 1000 <= cutoff &&
      (!which.volumes || which.volumes.has(h.Labels[VOLUME_LABEL] ?? '')),
  );
  if (!which.dryRun) await Promise.all(gone.map((h) => docker.getContainer(h.Id).remove({ force: true })));
  return gone.map((h) => (h.Names[0] ?? h.Id.slice(0, 12)).replace(/^\//, ''));
}
