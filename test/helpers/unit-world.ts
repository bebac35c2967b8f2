// The unit tests' world: an in-memory Postgres (PGlite) reset before each test and a fresh
// fake runtime, with the CoreDeps over both. Call once at the top of a test file.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { CoreDeps } from '../../src/core/index.js';
import { unitDeps } from './core-deps.js';
import { FakeRuntime } from './fake-runtime.js';
import { type MemoryDb, memoryDb } from './memory-db.js';

export interface UnitWorld {
  readonly db: MemoryDb;
  readonly runtime: FakeRuntime;
  deps(env?: Record<string, string>): CoreDeps;
  status(id: string): Promise<string | undefined>;
}

export function useUnitWorld(): UnitWorld {
  let db: MemoryDb | undefined;
  let runtime = new FakeRuntime();
  beforeAll(async () => {
    db = await memoryDb();
  });
  afterAll(() => db?.close());
  beforeEach(async () => {
    await db?.reset();
    runtime = new FakeRuntime();
  });
  const world: UnitWorld = {
    get db() {
      if (!db) throw new Error('useUnitWorld: the database opens in beforeAll');
      return db;
    },
    get runtime() {
      return runtime;
    },
    deps: (env) => unitDeps(world.db, runtime, env),
    status: async (id) =>
      (await world.db.one<{ status: string }>('SELECT status FROM workspaces WHERE id = $1', [id]))?.status,
  };
  return world;
}
