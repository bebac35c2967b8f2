// The `ContainerRuntime` port over the Docker Engine API (dockerode). The config volume is
// read and written through the workspace's own container with the archive endpoints, which
// work whether the container runs or not; no docker CLI, no throwaway container for seeding.
import type Docker from 'dockerode';
import { z } from 'zod';
import type {
  ConfigFile,
  ConfigsExport,
  ContainerRuntime,
  ContainerState,
  ReadAhead,
} from '../core/index.js';
import {
  CONFIGS_MOUNT,
  ContainerStartFailedError,
  DockerOperationError,
  DockerUnavailableError,
  readTarEntries,
  sha256Digest,
} from '../core/index.js';
import { connectDocker, type EngineAddress } from './connection.js';
import { dockerError, engineCall } from './engine-errors.js';
import { readAhead, removeHelpers } from './read-ahead.js';
import { exportThrough } from './tar-export.js';
import { packFiles } from './tar-write.js';
import { restoreVolume } from './volume-restore.js';

// What the engine sends back that medic reads, checked at the boundary.
const pathStatSchema = z.object({
  mode: z.number(),
  size: z.number().optional(),
  mtime: z.string().optional(),
});
type PathStat = z.infer<typeof pathStatSchema>;

export interface EngineBounds {
  /** Longest silence on any request before it is abandoned (stop's grace period fits in it). */
  readonly requestTimeoutMs: number;
  /** How long `ping` waits for /info, the call that hangs when the engine is wedged. */
  readonly pingTimeoutMs: number;
}

export class DockerRuntime implements ContainerRuntime {
  constructor(
    private readonly docker: Docker,
    private readonly pingTimeoutMs = 10_000,
  ) {}

  static connect(engine: EngineAddress | string | undefined, bounds: EngineBounds): DockerRuntime {
    const address = typeof engine === 'object' ? engine : { dockerHost: engine };
    return new DockerRuntime(connectDocker(address, bounds.requestTimeoutMs), bounds.pingTimeoutMs);
  }

  /**
   * The engine answers and can act. /info, not /_ping: a deadlocked 20.10 engine still answers
   * pings and lists containers while every container operation hangs (seen on these machines);
   * /info is among the calls that hang, so it is the canary, bounded by a timeout.
   */
  async ping(): Promise<void> {
    try {
      // dockerode takes an abortSignal here; its type definitions do not say so.
      const info = this.docker.info.bind(this.docker) as unknown as (opts: {
        abortSignal: AbortSignal;
      }) => Promise<unknown>;
      await info({ abortSignal: AbortSignal.timeout(this.pingTimeoutMs) });
    } catch (error) {
      if (
        (error as { name?: string }).name === 'AbortError' ||
        (error as { name?: string }).name === 'TimeoutError'
      ) {
        throw new DockerUnavailableError(
          `Docker engine did not answer within ${this.pingTimeoutMs / 1000}s`,
          {
            hint: 'it may be wedged: check `timeout 10 docker info`, restart dockerd if it hangs; nothing was changed',
            cause: error,
          },
        );
      }
      throw dockerError(error, 'reach the engine');
    }
  }

  async inspect(name: string): Promise<ContainerState | null> {
    try {
      const info = await this.docker.getContainer(name).inspect();
      const mount = info.Mounts.find((m) => m.Destination === CONFIGS_MOUNT && m.Type === 'volume');
      return {
        name,
        image: info.Config.Image,
        running: info.State.Running,
        health: info.State.Health?.Status ?? null,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        configsVolume: mount?.Name ?? null,
        startedAt: info.State.Running ? info.State.StartedAt : null,
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw dockerError(error, `inspect ${name}`);
    }
  }

  async volumeExists(volume: string): Promise<boolean> {
    try {
      await this.docker.getVolume(volume).inspect();
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw dockerError(error, `inspect volume ${volume}`);
    }
  }

  /** A path's stat under /configs (one HEAD through the container), or null when absent. */
  private async pathStat(name: string, relativePath: string): Promise<PathStat | 'unsaid' | null> {
    let response: { headers?: Record<string, string | string[] | undefined> };
    try {
      response = (await this.docker
        .getContainer(name)
        .infoArchive({ path: `${CONFIGS_MOUNT}/${relativePath}` })) as typeof response;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw dockerError(error, `stat ${relativePath} in ${name}`, name);
    }
    // dockerode hands back the HEAD response as a stream; left unread it keeps the socket, and the process, alive.
    (response as { resume?: () => void }).resume?.();
    const header = response.headers?.['x-docker-container-path-stat'];
    if (typeof header !== 'string') return 'unsaid';
    return pathStatSchema.parse(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
  }

  async statConfig(name: string, relativePath: string) {
    const stat = await this.pathStat(name, relativePath);
    if (stat === null) return null;
    if (stat === 'unsaid') return 'other' as const;
    // Go's os.FileMode: the directory bit is 1<<31, the symlink bit 1<<27, none of the type bits: a regular file.
    const { mode } = stat;
    if (mode & 0x80000000) return 'directory' as const;
    if (mode & 0x08000000) return 'symlink' as const;
    return (mode & 0x8f280000) === 0 ? ('file' as const) : ('other' as const);
  }

  async configsFingerprint(name: string, paths: readonly string[]) {
    const stats = await Promise.all(paths.map((p) => this.pathStat(name, p)));
    if (stats.some((s) => s === null || s === 'unsaid')) return null;
    return sha256Digest(Buffer.from(JSON.stringify(paths.map((p, i) => [p, stats[i]]))));
  }

  async listConfigs(name: string, withContent: readonly string[] = []) {
    const stream = await engineCall(
      `read ${CONFIGS_MOUNT} of ${name}`,
      () => this.docker.getContainer(name).getArchive({ path: `${CONFIGS_MOUNT}/.` }),
      name,
    );
    const relative = (p: string) => p.replace(/^\.\//, '').replace(/\/$/, '');
    const wanted = new Set(withContent);
    const entries = await readTarEntries(stream, {
      maxEntries: 10_000,
      keepContent: (p) => wanted.has(relative(p)),
      maxBytes: 1024 * 1024,
    });
    return entries
      .map((e) => ({
        path: relative(e.path),
        type: e.type,
        size: e.size,
        ...(e.content ? { content: e.content } : {}),
      }))
      .filter((e) => e.path !== '' && e.path !== '.');
  }

  async exportConfigs(name: string, maxBytes: number): Promise<ConfigsExport> {
    try {
      return await exportThrough(this.docker.getContainer(name), maxBytes);
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw dockerError(error, `export ${CONFIGS_MOUNT} of ${name}`, name);
    }
  }

  /** Reads /configs beside the container's stop, through a helper (read-ahead.ts). */
  readAhead(state: ContainerState, maxBytes: number): ReadAhead | null {
    if (!state.configsVolume) return null;
    return readAhead(this.docker, state.image, state.configsVolume, maxBytes);
  }

  async engineCpus(): Promise<number | null> {
    const info = (await this.docker.info().catch(() => null)) as { NCPU?: unknown } | null;
    return typeof info?.NCPU === 'number' ? info.NCPU : null;
  }

  /** Helpers a process that died mid-run left behind, older than `olderThanMs`, removed (or listed). */
  removeHelpers(olderThanMs: number, dryRun = false): Promise<readonly string[]> {
    return removeHelpers(this.docker, { olderThanMs, dryRun }).catch((error: unknown) => {
      throw dockerError(error, 'remove leftover helper containers');
    });
  }

  async writeConfigs(name: string, files: readonly ConfigFile[]): Promise<void> {
    const tar = await packFiles(files, new Date());
    await engineCall(
      `write into ${CONFIGS_MOUNT} of ${name}`,
      () => this.docker.getContainer(name).putArchive(tar, { path: CONFIGS_MOUNT }),
      name,
    );
  }

  /**
   * Replaces /configs with a snapshot (entries `configs/…`, checked by the core first), staged
   * so that a failure leaves the previous content (volume-restore.ts).
   */
  restoreConfigs(name: string, snapshot: Buffer): Promise<void> {
    return restoreVolume(this.docker, name, snapshot);
  }

  async stop(name: string, timeoutS: number): Promise<void> {
    await engineCall(`stop ${name}`, () => this.docker.getContainer(name).stop({ t: timeoutS }), name, 304);
  }

  async start(name: string): Promise<void> {
    try {
      await engineCall(`start ${name}`, () => this.docker.getContainer(name).start(), name, 304);
    } catch (error) {
      // The engine refused to start it (bad command, missing mount source...): say so plainly.
      if (error instanceof DockerOperationError) {
        throw new ContainerStartFailedError(`container ${name} would not start: ${error.message}`, {
          hint: `inspect it: docker inspect ${name}`,
          cause: error,
        });
      }
      throw error;
    }
  }
}
