// The composition root shared by every door: configuration from the environment, a pino
// logger on stderr, the database (migrated), and the Docker runtime, as one CoreDeps.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { CoreDeps } from '../core/index.js';
import {
  abandonOrphanedRuns,
  type ContainerRuntime,
  InvalidConfigError,
  type Logger,
  loadConfig,
  type MedicConfig,
  systemClock,
} from '../core/index.js';
import { embeddedDataKeys } from '../db/data-key-file.js';
import { openDatabase } from '../db/open-database.js';
import { directoryTemplates } from '../templates/directory-templates.js';

export { packageRootFrom } from './package-root.js';

export interface OpenCoreOptions {
  readonly env: Record<string, string | undefined>;
  /** The directory that holds package.json and templates/. */
  readonly packageRoot: string;
  readonly logger?: Logger;
  readonly poolSize?: number;
  /** Instead of the engine at DOCKER_HOST (the app with MEDIC_EXECUTOR=agents holds none). */
  readonly runtime?: ContainerRuntime;
}

/** pino on stderr (JSON lines), or on `destination` (the CLI's readable lines on a terminal). */
export function createLogger(
  env: Record<string, string | undefined>,
  destination?: { write(line: string): void },
): Logger {
  return pino(
    {
      level: env.LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      redact: { paths: ['databaseUrl', 'token', 'password', '*.token', '*.password'], censor: '***' },
    },
    destination ?? pino.destination(2),
  );
}

/**
 * CONFIGS_DIR must be a directory this process can read, checked as every process starts:
 * otherwise every recovery would fail later with a bare ENOENT. Named, with the fix.
 */
export async function templatesReadable(dir: string): Promise<void> {
  const found = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  const problem =
    found instanceof Error
      ? found.code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${found.code})`
      : !found.isDirectory()
        ? 'is not a directory'
        : await access(dir, constants.R_OK | constants.X_OK).then(
            () => null,
            (error: NodeJS.ErrnoException) => `cannot be read (${error.code})`,
          );
  if (problem) {
    throw new InvalidConfigError(`CONFIGS_DIR ${dir} ${problem}`, {
      hint: "set CONFIGS_DIR to the directory of runtime templates (one directory per runtime, each with its config.yaml), or unset it for medic's own templates/",
    });
  }
}

export function loadMedicConfig(options: OpenCoreOptions): MedicConfig {
  return loadConfig(options.env, path.join(options.packageRoot, 'templates'));
}

/** The embedded database without MEDIC_DATA_KEY seals under its own key file (data-key-file.ts). */
export async function withDataKeys(config: MedicConfig): Promise<MedicConfig> {
  if (config.databaseUrl || config.dataKeys) return config;
  return { ...config, dataKeys: await embeddedDataKeys(config.dataDir) };
}

export async function openCore(options: OpenCoreOptions): Promise<CoreDeps> {
  const config = await withDataKeys(loadMedicConfig(options));
  await templatesReadable(config.configsDir);
  const logger = options.logger ?? createLogger(options.env);
  const opening = openDatabase(config, logger, { poolSize: options.poolSize }).then(async (db) => {
    // Runs left 'running' by a process that died (its lease lapsed) are marked abandoned.
    const abandoned = await abandonOrphanedRuns(db).catch(async (error: unknown) => {
      await db.close().catch(() => undefined);
      throw error;
    });
    if (abandoned.length > 0) logger.warn({ runs: abandoned }, 'marked runs of a dead process as abandoned');
    return db;
  });
  opening.catch(() => undefined); // awaited below; meanwhile the Docker client loads
  await new Promise((resolve) => setImmediate(resolve)); // the connection is under way first
  // The Docker client is loaded while the database connects (~20 ms each, overlapped: the
  // CLI opens the core once per command).
  const runtime =
    options.runtime ??
    (await import('../docker/docker-runtime.js')).DockerRuntime.connect(config, {
      requestTimeoutMs: (config.stopTimeoutS + 30) * 1000,
      pingTimeoutMs: 10_000,
    });
  return {
    db: await opening,
    runtime,
    templates: directoryTemplates(config.configsDir),
    config,
    clock: systemClock,
    logger,
    holder: `${hostname()}:${process.pid}`,
  };
}
