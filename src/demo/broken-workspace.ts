// Makes a workspace broken the way the incident was: a row in `workspaces` and a running
// container `ws-<id12>` whose config volume `ws-<id12>-configs` is empty (or holds only
// stray files). Used by `medic demo`, the integration tests and the benchmarks.
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import type { Queryable } from '../core/index.js';
import { containerName, volumeName } from '../core/index.js';
import { removeHelpers } from '../docker/read-ahead.js';
import { packFiles } from '../docker/tar-write.js';

export interface BrokenWorkspaceOptions {
  readonly image: string;
  readonly runtime?: string;
  readonly status?: string;
  readonly name?: string;
  /** Files left in the volume (none of them config.yaml, unless a test wants one). */
  readonly stray?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly running?: boolean;
  readonly cmd?: string[];
  readonly healthcheck?: Docker.ContainerCreateOptions['Healthcheck'];
  /** Docker's network mode: `none` (tests: nothing to set up or tear down) or `bridge`, as a real workspace has. */
  readonly network?: string;
  /** Host ports the container publishes (with `network: 'bridge'`), e.g. {'8080/tcp': [{HostPort: '38080'}]}. */
  readonly portBindings?: Docker.HostConfig['PortBindings'];
}

export interface BrokenWorkspace {
  readonly id: string;
  readonly container: string;
  readonly volume: string;
}

export async function createBrokenWorkspace(
  docker: Docker,
  db: Queryable,
  options: BrokenWorkspaceOptions,
): Promise<BrokenWorkspace> {
  const id = randomUUID();
  const container = containerName(id);
  const volume = volumeName(id);
  const labels = { 'workspace-medic.fixture': 'true', ...options.labels };
  await db.query('INSERT INTO workspaces (id, name, status, runtime) VALUES ($1::uuid, $2, $3, $4)', [
    id,
    options.name ?? `demo ${container}`,
    options.status ?? 'failed',
    options.runtime ?? 'claude-code',
  ]);
  await docker.createVolume({ Name: volume, Labels: labels });
  const created = await docker.createContainer({
    name: container,
    Image: options.image,
    Labels: labels,
    ...(options.cmd ? { Cmd: options.cmd } : {}),
    ...(options.healthcheck ? { Healthcheck: options.healthcheck } : {}),
    ...(options.portBindings
      ? { ExposedPorts: Object.fromEntries(Object.keys(options.portBindings).map((p) => [p, {}])) }
      : {}),
    HostConfig: {
      Binds: [`${volume}:/configs`],
      NetworkMode: options.network ?? 'none',
      ...(options.portBindings ? { PortBindings: options.portBindings } : {}),
    },
  });
  const stray = Object.entries(options.stray ?? {});
  if (stray.length > 0) {
    const files = stray.map(([path, text]) => ({ path, content: Buffer.from(text), mode: 0o644 }));
    const tar = await packFiles(files, new Date());
    // Once more on EPIPE: a busy engine now and then closes the connection under a request's
    // body; the same files written again are the same volume.
    await created.putArchive(tar, { path: '/configs' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      return created.putArchive(tar, { path: '/configs' });
    });
  }
  if (options.running !== false) await created.start();
  return { id, container, volume };
}

/** Removes fixtures made with the given label value (containers first, then volumes). */
export async function removeFixtures(docker: Docker, label: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  // A snapshot helper left by a run killed mid-stop holds its volume (read-ahead.ts).
  const volumes = new Set((Volumes ?? []).map((v) => v.Name));
  await removeHelpers(docker, { volumes }).catch(() => undefined);
  await Promise.all(
    (Volumes ?? []).map((v) =>
      docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
}
