// The narrow interfaces through which the core touches the world. Adapters in src/db and
// src/docker implement them; tests pass plain objects checked with `satisfies`.
import type { RecoveryResult } from './result.js';

export interface QueryResult {
  rows: unknown[];
}

/** Anything that runs parameterised SQL: a pg client or pool, PGlite. */
export interface Queryable {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  /** Which database this is, for a person ("the embedded database in .medic", "Postgres medic on db:5432"); no secret. */
  readonly where?: string;
}

/**
 * A database that can also lend one dedicated session. A run holds its session from lease to
 * release, so the lease lapses if (and only if) the process holding it dies.
 */
export interface Database extends Queryable {
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Calls `onNotify` with the payload of each NOTIFY on `channel` (Postgres LISTEN, on a
   * connection of its own that comes back after a drop); resolves to a function that stops
   * it. Absent (the embedded database): callers poll. A wakeup only: nothing may depend on
   * receiving one.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Makes room for `sessions` runs at once (each holds a session) beside plain queries. */
  reserve?(sessions: number): void;
}

export interface ContainerState {
  readonly name: string;
  readonly image: string;
  readonly running: boolean;
  /** 'healthy' | 'unhealthy' | 'starting' when the image has a HEALTHCHECK, else null. */
  readonly health: string | null;
  readonly exitCode: number | null;
  /** The named volume mounted at /configs, if any. */
  readonly configsVolume: string | null;
  /** When it last started (ISO time), for a running container; how long it has run healthy. */
  readonly startedAt?: string | null;
}

export interface VolumeEntry {
  /** Path relative to /configs, `/`-separated; directories end with no slash. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly size: number;
  /** The file's bytes, for the paths asked for (small files such as the marker), else absent. */
  readonly content?: Buffer;
}

export interface ConfigFile {
  /** Relative to /configs, `/`-separated. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

/**
 * The runtime templates (CONFIGS_DIR): the core reads them only through this, and checks what
 * it reads (config.yaml, the runtime it names, the digest).
 */
export interface TemplateSource {
  /** Where the templates are, as messages name it. */
  readonly where: string;
  /** The names of the template directories (and links to them), sorted; the source's error when it cannot be read. */
  list(): Promise<string[]>;
  /**
   * Template `name`'s files, in path order: every one inside the source (else TEMPLATE_ESCAPE),
   * at most `maxBytes` in all (else TEMPLATE_TOO_LARGE); null when there is no such template.
   * TEMPLATE_NOT_FOUND when the source itself does not exist.
   */
  read(name: string, maxBytes: number): Promise<TemplateTree | null>;
}

export interface TemplateTree {
  /** Where the template is, as messages name it. */
  readonly dir: string;
  readonly files: readonly ConfigFile[];
}

export interface ConfigsExport {
  readonly tar: Buffer;
  readonly entries: number;
}

export interface ContainerRuntime {
  ping(): Promise<void>;
  inspect(container: string): Promise<ContainerState | null>;
  volumeExists(volume: string): Promise<boolean>;
  /** The type of a path under /configs (a cheap stat through the container), or null when absent. */
  statConfig(container: string, relativePath: string): Promise<VolumeEntry['type'] | null>;
  /**
   * What /configs holds, read through the container (running or not) in one pass, with the
   * bytes of the files named in `withContent` (each at most 1 MiB).
   */
  listConfigs(container: string, withContent?: readonly string[]): Promise<VolumeEntry[]>;
  /**
   * /configs as a tar (entries prefixed `configs/`), bounded by maxBytes (RangeError past it),
   * with how many entries it holds besides /configs itself: one read both decides whether
   * there is anything to keep and keeps it.
   */
  exportConfigs(container: string, maxBytes: number): Promise<ConfigsExport>;
  /**
   * [keep] A digest of these paths' stats under /configs ('' is /configs itself: size, mode,
   * mtime of each, one cheap stat each through the container), or null when one is absent.
   * Optional: without it every look reads the whole volume.
   */
  configsFingerprint?(container: string, paths: readonly string[]): Promise<string | null>;
  /** Writes files into /configs, like `cp -r`: files already there and not written stay. */
  writeConfigs(container: string, files: readonly ConfigFile[]): Promise<void>;
  /** Replaces all of /configs with a tar from exportConfigs (rollback). */
  restoreConfigs(container: string, tar: Buffer): Promise<void>;
  stop(container: string, timeoutS: number): Promise<void>;
  start(container: string): Promise<void>;
  /**
   * Starts reading /configs now, beside the container's stop (an engine that queues operations
   * on one container would make a read through it wait for the stop). Optional: without it, or
   * when it answers null, /configs is read after the stop.
   */
  readAhead?(state: ContainerState, maxBytes: number): ReadAhead | null;
  /** How many CPUs the engine's host has (Docker's /info NCPU), to size how many recoveries it is given. */
  engineCpus?(): Promise<number | null>;
  /**
   * Removes what a process that died mid-run left behind on the engine (older than
   * `olderThanMs`; with `dryRun`, only lists it). Answers the helpers' names.
   */
  removeHelpers?(olderThanMs: number, dryRun?: boolean): Promise<readonly string[]>;
}

/** A read of /configs begun before the container stopped. */
export interface ReadAhead {
  /**
   * Once the container has stopped: the read, when /configs provably did not change since it
   * began; else null (the caller reads again). Never throws; cleans up after itself.
   */
  settle(): Promise<ConfigsExport | null>;
  /** Gives it up (the stop failed). */
  discard(): Promise<unknown>;
}

export interface Clock {
  /** The wall clock: when something happened, as stored and shown. */
  now(): Date;
  /**
   * Milliseconds on a clock that never steps back (NTP, a changed time zone, a VM resumed):
   * what a duration, a deadline or an age within this process is measured on.
   */
  monotonicMs(): number;
  sleep(ms: number): Promise<void>;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * [pager] Where a finished run goes as a trace (OTLP, when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * src/metrics/tracing.ts): one span for the run, one per step, under the caller's
 * `traceparent` (W3C Trace Context) when there is one. Never throws, never waits.
 */
export interface RunTracer {
  run(result: RecoveryResult, o: { readonly traceparent?: string | null }): void;
  /**
   * A span around work handed to another process (a task for an agent), under the caller's
   * traceparent when there is one: the traceparent to hand on, and its end.
   */
  handOff(
    name: string,
    o: { readonly traceparent?: string | null; readonly attributes?: Readonly<Record<string, string>> },
  ): { readonly traceparent: string; end(outcome: string): void };
  /** Sends what is buffered (a CLI command before it exits). */
  flush(): Promise<void>;
}
