// The benchmarks' fleet: a throwaway Postgres database with a platform-style table, broken
// workspaces on the real engine, and the runbook's template on disk. Cleans up after itself.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { loadConfig } from '../src/core/model/config.js';
import type { CoreDeps } from '../src/core/model/deps.js';
import { type Database, silentLogger, systemClock } from '../src/core/model/ports.js';
import { migrate } from '../src/db/migrations.js';
import { openPgDatabase } from '../src/db/pg-database.js';
import { type BrokenWorkspace, createBrokenWorkspace, removeFixtures } from '../src/demo/broken-workspace.js';
import { DockerRuntime } from '../src/docker/docker-runtime.js';
import { ensureLocalImage } from '../src/docker/local-image.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const TEMPLATES = path.join(ROOT, 'templates');

export interface Fleet {
  readonly url: string;
  readonly db: Database;
  readonly docker: Docker;
  readonly image: string;
  deps(): CoreDeps;
  broken(n: number): Promise<BrokenWorkspace[]>;
  close(): Promise<void>;
}

export async function openFleet(serverUrl: string): Promise<Fleet> {
  const name = `medic_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = openPgDatabase(url, silentLogger, 16);
  await db.query(
    'CREATE TABLE workspaces (id uuid PRIMARY KEY, name text NOT NULL, status text NOT NULL, runtime text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())',
  );
  await migrate(db);
  const docker = new Docker();
  const image = await ensureLocalImage(docker);
  const label = `workspace-medic.bench=${name}`;
  return {
    url,
    db,
    docker,
    image,
    deps: () => ({
      db,
      runtime: new DockerRuntime(docker),
      config: loadConfig({ CONFIGS_DIR: TEMPLATES, MEDIC_RESTART_BUDGET: '1000/1h' }, TEMPLATES),
      clock: systemClock,
      logger: silentLogger,
      holder: `bench:${process.pid}`,
    }),
    broken: async (n) => {
      const made: BrokenWorkspace[] = [];
      // A few at a time: creating containers is itself engine work.
      for (let i = 0; i < n; i += 8) {
        const batch = Array.from({ length: Math.min(8, n - i) }, () =>
          createBrokenWorkspace(docker, db, { image, labels: { 'workspace-medic.bench': name } }),
        );
        made.push(...(await Promise.all(batch)));
      }
      return made;
    },
    close: async () => {
      await removeFixtures(docker, label);
      await db.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
