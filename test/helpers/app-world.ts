// The app tests' worlds. useAppWorld: an in-memory Postgres reset before each test (with the
// operator's policy granting acme/platform every workspace, unless a test applies its own), a
// fresh fake runtime, the app behind a real HTTP server, and GitHub as nock with no real
// network. useRealAppWorld: the same over the real engine and Postgres.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { CoreDeps } from '../../src/core/index.js';
import { type AppHarness, startApp } from './app-harness.js';
import { applyTestPolicy, unitDeps } from './core-deps.js';
import { FakeRuntime } from './fake-runtime.js';
import { type MemoryDb, memoryDb } from './memory-db.js';
import { type TestWorld, testWorld } from './services.js';

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

export interface RealAppWorld {
  /** The real engine and Postgres (testWorld), ready from beforeAll on. */
  readonly world: TestWorld;
  /** The app the running test started. */
  readonly app: AppHarness;
  /** Starts the app over `deps`; it is closed after the test. */
  start(deps: CoreDeps): Promise<AppHarness>;
}

/**
 * The app tests over the real engine and Postgres: a test world with the operator's `policy`
 * (else the test policy), GitHub as nock with only loopback reachable, and an app per test.
 */
export function useRealAppWorld(policy?: string): RealAppWorld {
  let world: TestWorld | undefined;
  let app: AppHarness | undefined;
  beforeAll(async () => {
    world = await testWorld();
    await applyTestPolicy(world.db, policy);
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await world?.close();
  });
  const ready = (): TestWorld => {
    if (!world) throw new Error('useRealAppWorld: the world opens in beforeAll');
    return world;
  };
  return {
    // The world's methods, read when called: the test file can hold `world` from the start.
    world: new Proxy({} as TestWorld, { get: (_, key) => Reflect.get(ready(), key) }),
    get app() {
      if (!app) throw new Error('useRealAppWorld: start the app in the test first');
      return app;
    },
    async start(deps) {
      app = await startApp(deps);
      return app;
    },
  };
}
