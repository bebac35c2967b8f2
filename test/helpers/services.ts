// Real services for integration tests: a fresh Postgres database per test file (on the server
// named by MEDIC_TEST_DATABASE_URL, which scripts/test.sh starts), with a `workspaces` table
// made the way the platform makes it; and the local Docker engine with the busybox image.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import Docker from 'dockerode';
import pg from 'pg';
import { loadConfig } from '../../src/core/model/config.js';
import type { CoreDeps } from '../../src/core/model/deps.js';
import { type Database, silentLogger, systemClock } from '../../src/core/model/ports.js';
import { acquireLease, releaseLease } from '../../src/core/run/lease.js';
import { migrate } from '../../src/db/migrations.js';
import { openPgDatabase } from '../../src/db/pg-database.js';
import {
  type BrokenWorkspace,
  type BrokenWorkspaceOptions,
  createBrokenWorkspace,
  removeFixtures,
} from '../../src/demo/broken-workspace.js';
import { DockerRuntime } from '../../src/docker/docker-runtime.js';
import { ensureLocalImage } from '../../src/docker/local-image.js';
import { directoryTemplates } from '../../src/templates/directory-templates.js';
import { TEMPLATES } from './core-deps.js';

// As medic's own clients (src/docker/connection.ts), no socket kept alive: a request with a
// body (putArchive) written to one the engine had just closed failed with EPIPE under load. Set
// on the global agent here, not as a client's agent: nock, loaded by the GitHub tests, sends a
// request that names an agent and a socket path to port 80.
http.globalAgent = new http.Agent({ keepAlive: false });

export function serverUrl(): string {
  const url = process.env.MEDIC_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'MEDIC_TEST_DATABASE_URL is unset: run the tests with `npm test`, which starts Postgres and Docker',
    );
  return url;
}

const PLATFORM_TABLE = `CREATE TABLE workspaces (
  id uuid PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'provisioning',
  runtime text NOT NULL DEFAULT 'langgraph', last_sample_error text, parent_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now())`;

export interface TestWorld {
  readonly url: string;
  readonly db: Database;
  readonly docker: Docker;
  readonly image: string;
  readonly label: string;
  deps(env?: Record<string, string>): CoreDeps;
  broken(options?: Partial<BrokenWorkspaceOptions>): Promise<BrokenWorkspace>;
  /** `n` broken workspaces, made a few at a time (creating containers is engine work too). */
  brokenMany(n: number): Promise<BrokenWorkspace[]>;
  status(id: string): Promise<string | undefined>;
  /** Holds the workspace's lease from a session of its own, as another live run would, until released. */
  holdLease(workspaceId: string): Promise<{ readonly runId: string; release(): Promise<void> }>;
  ls(volume: string): Promise<string[]>;
  cat(volume: string, file: string): Promise<string>;
  /** Removes everything the volume holds (as the incident did). */
  empty(volume: string): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly migrate?: boolean;
  /** The Postgres server (default MEDIC_TEST_DATABASE_URL); the benchmarks pass their own. */
  readonly serverUrl?: string;
  /** Settings every deps() starts from. */
  readonly env?: Record<string, string>;
  /** Names the database and labels the fixtures: `test` or `bench`. */
  readonly tag?: string;
  /** The workspaces' network mode (default `none`; the benchmarks use `bridge`, as real ones are). */
  readonly network?: string;
}

export async function testWorld(options: WorldOptions = {}): Promise<TestWorld> {
  const server = options.serverUrl ?? serverUrl();
  const tag = options.tag ?? 'test';
  const name = `medic_${tag === 'test' ? 't' : tag}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = openPgDatabase(url.toString(), silentLogger, 8);
  await db.query(PLATFORM_TABLE);
  if (options.migrate !== false) await migrate(db);
  const docker = new Docker();
  const image = await ensureLocalImage(docker);
  const label = `workspace-medic.${tag}=${name}`;
  const runIn = async (volume: string, cmd: string[], mode: 'ro' | 'rw' = 'ro'): Promise<string> => {
    const c = await docker.createContainer({
      Image: image,
      Cmd: cmd,
      HostConfig: { Binds: [`${volume}:/c:${mode}`], NetworkMode: 'none' },
    });
    const chunks: Buffer[] = [];
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const out = new (await import('node:stream')).PassThrough();
    out.on('data', (d: Buffer) => chunks.push(d));
    docker.modem.demuxStream(stream, out, out);
    await c.start();
    await c.wait();
    await new Promise((r) => setTimeout(r, 20));
    await c.remove({ force: true });
    return Buffer.concat(chunks).toString();
  };
  const make = (o: Partial<BrokenWorkspaceOptions>) =>
    createBrokenWorkspace(docker, db, {
      image,
      ...(options.network ? { network: options.network } : {}),
      ...o,
      labels: { [`workspace-medic.${tag}`]: name, ...o.labels },
    });
  // A fixture made again, under a new id, when a busy engine closed a request's connection
  // under its body (EPIPE); what the first attempt left is labelled and removed at close().
  const broken = (o: Partial<BrokenWorkspaceOptions> = {}) =>
    make(o).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      return make(o);
    });
  return {
    url: url.toString(),
    db,
    docker,
    image,
    label,
    deps: (env = {}) => {
      const config = loadConfig(
        { CONFIGS_DIR: TEMPLATES, MEDIC_STOP_TIMEOUT_S: '5', ...options.env, ...env },
        TEMPLATES,
      );
      return {
        db,
        runtime: new DockerRuntime(docker),
        templates: directoryTemplates(config.configsDir),
        config,
        clock: systemClock,
        logger: silentLogger,
        holder: `${tag}:${process.pid}`,
      };
    },
    broken,
    brokenMany: async (n) => {
      const made: BrokenWorkspace[] = [];
      for (let i = 0; i < n; i += 8)
        made.push(...(await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => broken()))));
      return made;
    },
    status: async (id) =>
      (
        (await db.query('SELECT status FROM workspaces WHERE id = $1', [id])).rows[0] as
          | { status: string }
          | undefined
      )?.status,
    holdLease: (workspaceId) =>
      new Promise((resolve, reject) => {
        const runId = randomUUID();
        let release!: () => void;
        const released = new Promise<void>((r) => {
          release = r;
        });
        const done = db.session(async (session) => {
          const attempt = await acquireLease(session, {
            workspaceId: workspaceId,
            runId: runId,
            holder: 'elsewhere:1',
            ttlS: 300,
          });
          if (!attempt.acquired) throw new Error('holdLease: the lease is held already');
          resolve({
            runId,
            release: async () => {
              release();
              await done;
            },
          });
          await released;
          await releaseLease(session, workspaceId, runId, attempt.locked);
        });
        done.catch(reject);
      }),
    ls: async (volume) => (await runIn(volume, ['ls', '-A', '/c'])).split('\n').filter(Boolean).sort(),
    cat: (volume, file) => runIn(volume, ['cat', `/c/${file}`]),
    empty: async (volume) => {
      await runIn(volume, ['sh', '-c', 'rm -rf /c/* /c/.[!.]*'], 'rw');
    },
    close: async () => {
      await removeFixtures(docker, label);
      await db.close();
      const a = new pg.Client({ connectionString: server });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * Starts an exec and waits for its command to exit (a fixed sleep lost the race on a busy
 * engine). Until it has exited its exit code is null: `Running` alone is also false in the
 * moment before the command begins, and a wait on it alone once returned before an `rm` ran.
 */
export async function execToEnd(exec: Docker.Exec): Promise<void> {
  await exec.start({});
  for (let i = 0; i < 400; i++) {
    const state = await exec.inspect();
    if (!state.Running && state.ExitCode !== null) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the exec did not end within 10 s');
}
