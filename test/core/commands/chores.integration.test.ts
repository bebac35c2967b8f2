// Chores once per period, on a real Postgres: three app replicas and an agent (four processes,
// each with its own pool, as separate processes have) tick at once, and the daily prune runs
// once, the trail (medic.chores) saying who ran it and what it did; a chore that fails is put
// back with the backoff and run again by a later tick of any process, not the next day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Chore, periodOf, runDueChores, scheduleChores } from '../../../src/core/commands/chores.js';
import { pruneChore } from '../../../src/core/commands/prune.js';
import type { CoreDeps } from '../../../src/core/model/deps.js';
import { silentLogger } from '../../../src/core/model/ports.js';
import { choreTrail } from '../../../src/core/store/chore-store.js';
import { openPgDatabase } from '../../../src/db/pg-database.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

/** `n` processes: each its own pool on the test database and its own name. */
function processes(names: readonly string[]): CoreDeps[] {
  return names.map((name) => ({
    ...world.deps(),
    db: openPgDatabase(world.url, silentLogger, 2),
    holder: name,
  }));
}

const fast = { tickMs: 50, retryBaseMs: 200, staleMs: 60_000 };

describe('chores', () => {
  it('with three app replicas and an agent ticking at once, the daily prune runs once; the trail shows it', async () => {
    const procs = processes(['app-1:11', 'app-2:12', 'app-3:13', 'agent-h1:21']);
    try {
      const ran = await Promise.all(procs.map((deps) => runDueChores(deps, [pruneChore(deps)], fast)));
      expect(ran.flat()).toEqual(['prune']);
      // A tick later the same day: nobody runs it again.
      const again = await Promise.all(procs.map((deps) => runDueChores(deps, [pruneChore(deps)], fast)));
      expect(again.flat()).toEqual([]);
      const [today] = await choreTrail(world.db, 'prune');
      const runner = procs[ran.findIndex((r) => r.length > 0)]!.holder;
      expect(today).toMatchObject({
        period: periodOf(new Date(), 86_400_000),
        state: 'done',
        attempts: 1,
        worker: runner,
        error: null,
      });
      expect(today?.outcome).toMatch(/^removed \d+ snapshots, \d+ finished jobs, \d+ leftover helpers$/);
    } finally {
      await Promise.all(procs.map((p) => p.db.close()));
    }
  });

  it('puts a chore that failed back with the backoff; a later tick of another process runs it again', async () => {
    let calls = 0;
    const flaky: Chore = {
      name: 'flaky',
      everyMs: 86_400_000,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('the database went away');
        return 'done on the second try';
      },
    };
    const [a, b] = processes(['app-1:11', 'app-2:12']);
    try {
      expect(await runDueChores(a!, [flaky], fast)).toEqual(['flaky']);
      const [failed] = await choreTrail(world.db, 'flaky');
      expect(failed).toMatchObject({ state: 'pending', attempts: 1, error: 'the database went away' });
      // Within its backoff (at most 200 ms) nobody takes it; after it, any process does.
      await new Promise((r) => setTimeout(r, 250));
      expect(await runDueChores(b!, [flaky], fast)).toEqual(['flaky']);
      expect((await choreTrail(world.db, 'flaky'))[0]).toMatchObject({
        state: 'done',
        attempts: 2,
        worker: 'app-2:12',
        outcome: 'done on the second try',
        error: null,
      });
      expect(calls).toBe(2);
    } finally {
      await Promise.all([a, b].map((p) => p!.db.close()));
    }
  });

  it('a chore every few hundred ms runs once per period of three replicas; its idle periods leave no row', async () => {
    const everyMs = 300;
    const work = ['expired 1 request', null, null, 'expired 2 requests'];
    const runs: string[] = [];
    const frequent = (holder: string): Chore => ({
      name: 'frequent',
      everyMs,
      run: async () => {
        runs.push(holder);
        return runs.length <= work.length ? (work[runs.length - 1] ?? null) : null;
      },
    });
    const procs = processes(['app-1:11', 'app-2:12', 'app-3:13']);
    const stops = procs.map((deps) => scheduleChores(deps, [frequent(deps.holder)], fast));
    try {
      // Ten periods: each runs once (a tick is 50 ms, so a period has about 18 ticks of the three).
      const start = Date.now();
      const periods = new Set<string>();
      while (Date.now() - start < 10 * everyMs) {
        periods.add(periodOf(new Date(), everyMs));
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const stop of stops) stop();
      await new Promise((r) => setTimeout(r, 100)); // a tick under way ends
      expect(runs.length).toBeGreaterThanOrEqual(periods.size - 1);
      expect(runs.length).toBeLessThanOrEqual(periods.size + 1);
      const trail = await choreTrail(world.db, 'frequent', 100);
      expect(trail.filter((row) => row.period === trail[0]?.period)).toHaveLength(1);
      const kept = trail.slice(1).map((row) => row.outcome);
      // Past periods keep a row only when the chore did something.
      expect(kept.every((outcome) => outcome !== null)).toBe(true);
      expect(kept.sort()).toEqual(['expired 1 request', 'expired 2 requests']);
      expect(new Set(trail.map((row) => row.period)).size).toBe(trail.length);
    } finally {
      for (const stop of stops) stop();
      await Promise.all(procs.map((p) => p.db.close()));
    }
  });
});
