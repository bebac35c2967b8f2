// sweep: recovers every failed workspace whose volume lacks config.yaml, at most `max`,
// `concurrency` at a time, handing over each result as it finishes.
import { describe, expect, it } from 'vitest';
import { sweep } from '../../../src/core/commands/sweep.js';
import type { RecoveryResult } from '../../../src/core/model/result.js';
import { addWorkspace, unitDeps } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const cli = { actor: 'alice', source: 'cli' } as const;

async function brokenForSweep(status = 'failed', files: Record<string, string> = {}) {
  const ws = await addWorkspace(world.db, { status });
  world.runtime.add(ws.container, { files });
  return ws;
}

describe('sweep', () => {
  it('recovers failed rows whose volume lacks config.yaml, and leaves the rest alone', async () => {
    const a = await brokenForSweep();
    const b = await brokenForSweep('failed', { 'notes.txt': 'stray' });
    const intact = await brokenForSweep('failed', { 'config.yaml': 'fine\n' });
    const online = await brokenForSweep('online');
    const report = await sweep(unitDeps(world.db, world.runtime), { ...cli, concurrency: 2, max: 10 });
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
    for (let i = 0; i < 5; i++) await brokenForSweep();
    const report = await sweep(unitDeps(world.db, world.runtime), { ...cli, concurrency: 3, max: 2 });
    expect(report.results).toHaveLength(2);
  });

  it('hands over each result as its recovery finishes', async () => {
    await brokenForSweep();
    await brokenForSweep();
    const seen: Array<{ result: RecoveryResult; startsSoFar: number }> = [];
    await sweep(unitDeps(world.db, world.runtime), {
      ...cli,
      concurrency: 1,
      max: 10,
      onResult: (result) =>
        seen.push({ result, startsSoFar: world.runtime.calls.filter((c) => c.startsWith('start ')).length }),
    });
    // One at a time: the first result arrives before the second workspace is started.
    expect(seen.map((s) => [s.result.outcome, s.startsSoFar])).toEqual([
      ['recovered', 1],
      ['recovered', 2],
    ]);
  });
});
