// Leases against a real Postgres server, across processes' sessions and database roles. The
// app and an operator's CLI commonly connect as different roles, and a role without
// pg_read_all_stats sees nothing of another role's sessions in pg_stat_activity: liveness
// must not depend on it (it is an advisory lock, which every role sees in pg_locks).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover, silentLogger } from '../../../src/core/index.js';
import { acquireLease } from '../../../src/core/run/lease.js';
import { openPgDatabase } from '../../../src/db/pg-database.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
let otherUrl: string;
const role = `medic_other_${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  world = await testWorld();
  // A second role, as an app deployed beside the operator's CLI would have: no superuser, no
  // pg_read_all_stats, only what medic needs.
  await world.db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'other'`);
  for (const sql of [
    `GRANT USAGE ON SCHEMA medic TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA medic TO ${role}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA medic TO ${role}`,
    `GRANT SELECT, UPDATE ON workspaces TO ${role}`,
  ])
    await world.db.query(sql);
  const u = new URL(world.url);
  u.username = role;
  u.password = 'other';
  otherUrl = u.toString();
});
afterAll(async () => {
  await world?.close();
  await world?.db.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
});

describe('leases across roles', () => {
  it("a live lease held by one role excludes a run of another role that cannot see the holder's session", async () => {
    const ws = await world.broken();
    const other = openPgDatabase(otherUrl, silentLogger, 2);
    try {
      // The other role really cannot see the holder's backend_start (the old liveness test).
      const held = await world.holdLease(ws.id);
      const seen = await other.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'medic' AND backend_start IS NOT NULL",
      );
      expect(seen.rows).toEqual([{ n: 0 }]);
      const deps = { ...world.deps(), db: other };
      const busy = await recover(deps, ws.container, { actor: 'app', source: 'app' });
      expect(busy).toMatchObject({ outcome: 'busy', error: { code: 'LEASE_HELD' } });
      expect(busy.error?.message).toContain(held.runId);
      expect(await world.status(ws.id)).toBe('failed');
      await held.release();
      // Released: the other role takes it and recovers.
      expect((await recover(deps, ws.container, { actor: 'app', source: 'app' })).outcome).toBe('recovered');
    } finally {
      await other.close();
    }
  });

  it("takes over when the holder's session ends, without waiting for the TTL", async () => {
    const ws = await world.broken();
    const holder = openPgDatabase(world.url, silentLogger, 1);
    const runId = crypto.randomUUID();
    let end!: () => void;
    const ended = new Promise<void>((r) => {
      end = r;
    });
    const session = holder.session(async (s) => {
      expect(
        await acquireLease(s, { workspaceId: ws.id, runId: runId, holder: 'dies:1', ttlS: 300 }),
      ).toMatchObject({ acquired: true });
      await ended; // the session then closes without releasing, as a killed process's would
    });
    await new Promise((r) => setTimeout(r, 50));
    end();
    await session;
    await holder.close();
    const result = await recover(world.deps(), ws.container, { actor: 'cli', source: 'cli' });
    expect(result.outcome).toBe('recovered');
    expect(result.steps[0]?.detail).toContain(`took over the lease of run ${runId}`);
  });
});
