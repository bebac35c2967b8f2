// CoreDeps for unit tests: the fake runtime, an in-memory database, the project's templates
// (or a test's), a real clock made fast, and a silent logger.
import path from 'node:path';
import { applyPolicy, parsePolicy, type Queryable } from '../../src/core/index.js';
import { loadConfig } from '../../src/core/model/config.js';
import type { CoreDeps } from '../../src/core/model/deps.js';
import { type Clock, silentLogger } from '../../src/core/model/ports.js';
import type { FakeRuntime } from './fake-runtime.js';
import type { MemoryDb } from './memory-db.js';

export const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');

export const fastClock: Clock = {
  now: () => new Date(),
  sleep: () => new Promise((resolve) => setImmediate(resolve)),
};

export function unitDeps(db: MemoryDb, runtime: FakeRuntime, env: Record<string, string> = {}): CoreDeps {
  return {
    db,
    runtime: runtime.port,
    config: loadConfig({ MEDIC_START_TIMEOUT_S: '1', ...env }, TEMPLATES),
    clock: fastClock,
    logger: silentLogger,
    holder: 'test:1',
  };
}

/** Inserts a workspace row; returns its uuid and container name. */
export async function addWorkspace(
  db: MemoryDb,
  fields: { id?: string; status?: string; runtime?: string } = {},
): Promise<{ id: string; container: string }> {
  const id = fields.id ?? crypto.randomUUID();
  await db.query('INSERT INTO workspaces (id, name, status, runtime) VALUES ($1, $2, $3, $4)', [
    id,
    'test',
    fields.status ?? 'failed',
    fields.runtime ?? 'claude-code',
  ]);
  return { id, container: `ws-${id.slice(0, 12)}` };
}

/** Applies an operator's policy (what the app and the action need before they act). */
export async function applyTestPolicy(
  db: Queryable,
  yaml = 'repos:\n  - repo: acme/platform\n    workspaces: all\n',
): Promise<void> {
  await applyPolicy(db, parsePolicy(yaml), 'test-operator');
}
