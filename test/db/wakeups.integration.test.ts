// NOTIFY wakes a waiter on its key at once; a wait with no notify is a poll; a notify that
// comes between two waits is not lost; and a listener whose connection is killed comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { Wakeups } from '../../src/db/wakeups.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

const notify = (key: string) => world.db.query("SELECT pg_notify('medic_test_wakeups', $1)", [key]);

describe('Wakeups over LISTEN/NOTIFY', () => {
  it('wakes the waiter on its key, leaves others to their poll, and keeps a notify that came between waits', async () => {
    const wakeups = await Wakeups.open(world.db, 'medic_test_wakeups', silentLogger);
    try {
      const mine = wakeups.follow('7');
      const other = wakeups.follow('8');
      const t0 = performance.now();
      const woken = mine.wait(10_000);
      await notify('7');
      await woken;
      expect(performance.now() - t0).toBeLessThan(5_000);
      const t1 = performance.now();
      await other.wait(300); // no notify for 8: the poll interval ends it
      expect(performance.now() - t1).toBeGreaterThanOrEqual(250);
      await notify('7');
      await new Promise((r) => setTimeout(r, 200));
      const t2 = performance.now();
      await mine.wait(10_000); // notified while nobody waited: returns at once
      expect(performance.now() - t2).toBeLessThan(100);
      mine.close();
      other.close();
    } finally {
      await wakeups.close();
    }
  });

  it('listens again after its connection is killed', async () => {
    const wakeups = await Wakeups.open(world.db, 'medic_test_wakeups', silentLogger);
    try {
      const killed = await world.db.query(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE query LIKE 'LISTEN%medic_test_wakeups%' AND pid <> pg_backend_pid()",
      );
      expect(killed.rows).toEqual([{ done: true }]);
      const mine = wakeups.follow('9');
      await expect
        .poll(
          async () => {
            const woken = mine.wait(200).then(() => performance.now());
            const sent = performance.now();
            await notify('9');
            return (await woken) - sent < 150;
          },
          { timeout: 10_000, interval: 300 },
        )
        .toBe(true);
      mine.close();
    } finally {
      await wakeups.close();
    }
  });
});
