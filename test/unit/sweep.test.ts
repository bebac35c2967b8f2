// sweep: which failed rows it takes, how many, and that each result is handed over as its
// recovery finishes rather than after the whole fleet.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecoveryResult } from '../../src/core/result.js';
import { sweep } from '../../src/core/sweep.js';
import { addWorkspace, unitDeps } from '../helpers/core-deps.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { type MemoryDb, memoryDb } from '../helpers/memory-db.js';

let db: MemoryDb;
let runtime: FakeRuntime;
const cli = { actor: 'alice', source: 'cli' } as const;

beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.reset();
  runtime = new FakeRuntime();
});

async function broken(status = 'failed', files: Record<string, string> = {}) {
  const ws = await addWorkspace(db, { status });
  runtime.add(ws.container, { files });
  return ws;
}

describe('sweep', () => {
  it('recovers failed rows whose volume lacks config.yaml, and leaves the rest alone', async () => {
    const a = await broken();
    const b = await broken('failed', { 'notes.txt': 'stray' });
    const intact = await broken('failed', { 'config.yaml': 'fine\n' });
    const online = await broken('online');
    const report = await sweep(unitDeps(db, runtime), { ...cli, concurrency: 2, max: 10 });
    expect(report.results.map((r) => [r.workspace.id, r.outcome]).sort()).toEqual(
      [
        [a.id, 'recovered'],
        [b.id, 'recovered'],
      ].sort(),
    );
    expect(report.skipped).toEqual([{ id: intact.id, why: 'verdict healthy' }]);
    expect(report.results.map((r) => r.workspace.id)).not.toContain(online.id);
  });

  it('takes at most `max`, however many are broken', async () => {
    for (let i = 0; i < 5; i++) await broken();
    const report = await sweep(unitDeps(db, runtime), { ...cli, concurrency: 3, max: 2 });
    expect(report.results).toHaveLength(2);
  });

  it('hands over each result as its recovery finishes', async () => {
    await broken();
    await broken();
    const seen: Array<{ result: RecoveryResult; startsSoFar: number }> = [];
    await sweep(unitDeps(db, runtime), {
      ...cli,
      concurrency: 1,
      max: 10,
      onResult: (result) =>
        seen.push({ result, startsSoFar: runtime.calls.filter((c) => c.startsWith('start ')).length }),
    });
    // One at a time: the first result arrives before the second workspace is started.
    expect(seen.map((s) => [s.result.outcome, s.startsSoFar])).toEqual([
      ['recovered', 1],
      ['recovered', 2],
    ]);
  });
});
