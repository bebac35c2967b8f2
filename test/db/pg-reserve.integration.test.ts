// A pool made for a few connections makes room for as many run sessions as the command runs
// at once (`Database.reserve`): with a pool of 2, six sessions held together all begin.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { openPgDatabase } from '../../src/db/pg-database.js';

const url = process.env.MEDIC_TEST_DATABASE_URL;

describe.skipIf(!url)('Database.reserve on Postgres', () => {
  it('lets six sessions be held at once in a pool opened for two', async () => {
    const db = openPgDatabase(url!, silentLogger, 2);
    try {
      db.reserve?.(6);
      let inside = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const sessions = Array.from({ length: 6 }, () =>
        db.session(async (s) => {
          await s.query('SELECT 1');
          inside += 1;
          if (inside === 6) release();
          await gate;
          return (await s.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
        }),
      );
      const pids = await Promise.race([
        Promise.all(sessions),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('sessions waited on the pool')), 5000),
        ),
      ]);
      expect(new Set(pids.map((p) => p.pid)).size).toBe(6);
    } finally {
      await db.close();
    }
  });

  it('[defaults] a pool with no connection free within its bound is DATABASE_UNAVAILABLE naming what to change, not INTERNAL', async () => {
    const db = openPgDatabase(url!, silentLogger, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    try {
      const held = db.session(async () => gate);
      await expect(db.query('SELECT 1')).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        hint: expect.stringContaining('--concurrency'),
      });
      release();
      await held;
    } finally {
      release();
      await db.close();
    }
  }, 20_000);
});
