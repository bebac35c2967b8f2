// A ContainerRuntime held in memory, for unit tests of the core: containers with a state
// and a /configs file map, every call logged, and hooks to inject failures.
import { readTarEntries } from '../../src/core/index.js';
import { ContainerNotFoundError, DockerUnavailableError } from '../../src/core/model/errors.js';
import type {
  ConfigFile,
  ContainerRuntime,
  ContainerState,
  VolumeEntry,
} from '../../src/core/model/ports.js';
import { packFiles } from '../../src/docker/tar-write.js';

export interface FakeContainer {
  running: boolean;
  health: string | null;
  exitCode: number | null;
  image: string;
  volume: string | null;
  files: Map<string, Buffer>;
}

export class FakeRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  /** Reads of the volume's content (listConfigs), apart from the calls that change things. */
  readonly reads: string[] = [];
  /** Called before each mutating call; throw from it to inject a fault. */
  beforeCall: (call: string, name: string) => void | Promise<void> = () => {};
  /** Whether a container stays up after start (false: it exits at once, code 1). */
  startsCleanly = true;
  reachable = true;

  add(
    name: string,
    init: Partial<Omit<FakeContainer, 'files'>> & { files?: Record<string, string> } = {},
  ): FakeContainer {
    const c: FakeContainer = {
      running: init.running ?? true,
      health: init.health ?? null,
      exitCode: init.exitCode ?? null,
      image: init.image ?? 'agent:1',
      volume: init.volume === undefined ? `${name}-configs` : init.volume,
      files: new Map(Object.entries(init.files ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    };
    this.containers.set(name, c);
    return c;
  }

  get(name: string): FakeContainer {
    const c = this.containers.get(name);
    if (!c) throw new ContainerNotFoundError(`container ${name} does not exist (fake)`);
    return c;
  }

  readonly port = {
    ping: async () => {
      if (!this.reachable) throw new DockerUnavailableError('Docker engine unreachable (fake)');
    },
    inspect: async (name: string): Promise<ContainerState | null> => {
      const c = this.containers.get(name);
      if (!c) return null;
      return {
        name,
        image: c.image,
        running: c.running,
        health: c.health,
        exitCode: c.exitCode,
        configsVolume: c.volume,
      };
    },
    volumeExists: async (volume: string) => [...this.containers.values()].some((c) => c.volume === volume),
    statConfig: async (name: string, path: string) => {
      const files = this.get(name).files;
      if (files.has(path)) return 'file' as const;
      return [...files.keys()].some((k) => k.startsWith(`${path}/`)) ? ('directory' as const) : null;
    },
    listConfigs: async (name: string, withContent: readonly string[] = []): Promise<VolumeEntry[]> => {
      this.reads.push(`list ${name}`);
      return [...this.get(name).files.entries()].map(([path, content]) => ({
        path,
        type: 'file',
        size: content.length,
        ...(withContent.includes(path) ? { content } : {}),
      }));
    },
    // Snapshots are real tars with entries `configs/…`, as the engine's archive endpoint gives.
    exportConfigs: async (name: string, maxBytes: number) => {
      await this.hook('export', name);
      const files = [...this.get(name).files].map(([path, content]) => ({
        path: `configs/${path}`,
        content,
        mode: 0o644,
      }));
      const tar = await packFiles(files, new Date(0));
      if (tar.length > maxBytes) throw new RangeError('too big');
      return { tar, entries: files.length };
    },
    writeConfigs: async (name: string, files: readonly ConfigFile[]) => {
      await this.hook('write', name);
      for (const f of files) this.get(name).files.set(f.path, f.content);
    },
    restoreConfigs: async (name: string, tar: Buffer) => {
      await this.hook('restore', name);
      const entries = await readTarEntries(tar, { maxEntries: 10_000, keepContent: () => true });
      this.get(name).files = new Map(
        entries
          .filter((e) => e.type === 'file' && e.path.startsWith('configs/'))
          .map((e) => [e.path.slice('configs/'.length), e.content ?? Buffer.alloc(0)]),
      );
    },
    stop: async (name: string) => {
      await this.hook('stop', name);
      this.get(name).running = false;
    },
    start: async (name: string) => {
      await this.hook('start', name);
      const c = this.get(name);
      c.running = this.startsCleanly;
      c.exitCode = this.startsCleanly ? null : 1;
    },
  } satisfies ContainerRuntime;

  private async hook(call: string, name: string): Promise<void> {
    this.calls.push(`${call} ${name}`);
    await this.beforeCall(call, name);
  }
}
