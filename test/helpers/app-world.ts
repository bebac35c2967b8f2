// The app tests' world: an in-memory Postgres reset before each test (with the operator's
// policy granting acme/platform every workspace, unless a test applies its own), a fresh fake
// runtime, the app behind a real HTTP server, and GitHub as nock with no real network.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type AppHarness, startApp } from './app-harness.js';
import { applyTestPolicy, unitDeps } from './core-deps.js';
import { FakeRuntime } from './fake-runtime.js';
import { type MemoryDb, memoryDb } from './memory-db.js';

export interface AppWorld {
  readonly db: MemoryDb;
  readonly runtime: FakeRuntime;
  readonly app: AppHarness;
}

export function useAppWorld(options: { readonly policy: boolean }): AppWorld {
  let db: MemoryDb | undefined;
  let runtime = new FakeRuntime();
  let app: AppHarness | undefined;
  beforeAll(async () => {
    db = await memoryDb();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(async () => {
    await db?.close();
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    await db!.reset();
    if (options.policy) await applyTestPolicy(db!);
    runtime = new FakeRuntime();
    app = await startApp(unitDeps(db!, runtime));
  });
  afterEach(async () => {
    await app?.close();
    nock.cleanAll();
  });
  return {
    get db() {
      if (!db) throw new Error('useAppWorld: the database opens in beforeAll');
      return db;
    },
    get runtime() {
      return runtime;
    },
    get app() {
      if (!app) throw new Error('useAppWorld: the app starts in beforeEach');
      return app;
    },
  };
}
