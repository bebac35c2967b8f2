// Retention: snapshots and finished jobs older than the cut-off go; runs (the audit trail)
// only with `runs`; a rollback of a pruned snapshot is NO_SNAPSHOT while history still shows
// the run; a dry run removes nothing.
import { describe, expect, it } from 'vitest';
import { history, prune, recover, rollback } from '../../../src/core/index.js';
import { addWorkspace } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const cli = { actor: 'alice', source: 'cli' } as const;
const DAY = 86_400_000;

async function forcedRun() {
  const ws = await addWorkspace(world.db, { status: 'online' });
  world.runtime.add(ws.container, { files: { 'config.yaml': 'mine\n' } });
  const run = await recover(world.deps(), ws.container, { ...cli, force: true });
  expect(run.snapshot).not.toBeNull();
  return { ws, run };
}
const age = (table: string, column: string, days: number) =>
  world.db.query(`UPDATE medic.${table} SET ${column} = now() - make_interval(days => $1)`, [days]);

describe('prune', () => {
  it('keeps what is younger than the cut-off', async () => {
    await forcedRun();
    expect(await prune(world.deps())).toEqual({ snapshots: 0, jobs: 0, runs: 0, helpers: [] });
  });

  it('removes old snapshots and finished jobs; a rollback is then NO_SNAPSHOT and history still shows the run', async () => {
    const { ws, run } = await forcedRun();
    await world.db.query(
      "INSERT INTO medic.jobs (delivery_id, kind, payload, state, finished_at) VALUES ('d', 'comment', '{}', 'done', now())",
    );
    await world.db.query(
      "INSERT INTO medic.jobs (delivery_id, kind, payload, state) VALUES ('p', 'comment', '{}', 'pending')",
    );
    // A fleet's tasks go with the jobs: finished ones (done, expired), not one still running.
    await world.db.query(
      `INSERT INTO medic.tasks (key, engine, command, target, options, state, finished_at) VALUES
         ('job:1:0', 'a', 'recover', 'ws-x', '{}', 'done', now()), ('job:1:1', 'a', 'recover', 'ws-y', '{}', 'expired', now()),
         ('job:2:0', 'a', 'recover', 'ws-z', '{}', 'running', NULL)`,
    );
    await age('snapshots', 'created_at', 40);
    for (const table of ['jobs', 'tasks']) {
      await age(table, 'created_at', 40);
      await age(table, 'finished_at', 40);
    }
    expect(await prune(world.deps(), { dryRun: true })).toEqual({
      snapshots: 1,
      jobs: 3,
      runs: 0,
      helpers: [],
    });
    expect(await prune(world.deps())).toEqual({ snapshots: 1, jobs: 3, runs: 0, helpers: [] });
    expect(await world.db.one('SELECT state FROM medic.jobs')).toEqual({ state: 'pending' });
    expect(await world.db.one('SELECT state FROM medic.tasks')).toEqual({ state: 'running' });
    expect((await rollback(world.deps(), run.runId, cli)).error?.code).toBe('NO_SNAPSHOT');
    expect((await history(world.deps(), ws.container)).map((h) => h.run_id)).toContain(run.runId);
  });

  it('removes runs and their steps only with runs, by the cut-off given', async () => {
    const { ws } = await forcedRun();
    await age('runs', 'started_at', 3);
    expect(await prune(world.deps(), { olderThanMs: 7 * DAY, runs: true })).toMatchObject({ runs: 0 });
    expect(await prune(world.deps(), { olderThanMs: 2 * DAY })).toMatchObject({ runs: 0 });
    expect(await prune(world.deps(), { olderThanMs: 2 * DAY, runs: true })).toMatchObject({ runs: 1 });
    expect(await history(world.deps(), ws.container)).toEqual([]);
    expect(await world.db.one('SELECT count(*)::int AS n FROM medic.step_events')).toEqual({ n: 0 });
  });

  it('[defaults] prunes what grows with use once settled, and keeps what is pending or live', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    const old = "now() - interval '40 days'";
    await world.db.query(
      `INSERT INTO medic.outbox (delivery_id, sink, sink_kind, url_env, event, payload, state, created_at)
       VALUES (gen_random_uuid(), 1, 'webhook', 'H', 'x', '{}', 'delivered', ${old}),
              (gen_random_uuid(), 1, 'webhook', 'H', 'x', '{}', 'pending', ${old})`,
    );
    await world.db.query(`INSERT INTO medic.outbox_attempts (outbox_id, ms) SELECT id, 1 FROM medic.outbox`);
    await world.db.query(
      `INSERT INTO medic.refusals (actor, repo, code, answered, at) VALUES ('m', 'a/b', 'X', 'y', ${old})`,
    );
    await world.db.query(
      `INSERT INTO medic.holds (scope, workspace_id, holder, source, reason, until, created_at, ended_at)
       VALUES ('workspace', $1, 'a', 'cli', 'r', ${old}, ${old}, ${old}),
              ('workspace', $1, 'a', 'cli', 'live', now() + interval '1 hour', ${old}, NULL)`,
      [ws.id],
    );
    await world.db.query(`INSERT INTO medic.action_comments (key, at) VALUES ('k', ${old})`);
    await world.db.query(
      `INSERT INTO medic.chores (name, period, state, started_at, finished_at, outcome)
       VALUES ('prune', 'then', 'done', ${old}, ${old}, 'removed 1'), ('prune', 'today', 'done', now(), now(), 'removed 2'),
              ('stuck', 'then', 'pending', ${old}, NULL, NULL)`,
    );
    await prune(world.deps());
    const count = async (sql: string) => (await world.db.one<{ n: number }>(sql))?.n;
    expect(await count("SELECT count(*)::int AS n FROM medic.outbox WHERE state = 'pending'")).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM medic.outbox')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM medic.outbox_attempts')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM medic.refusals')).toBe(0);
    expect(await count("SELECT count(*)::int AS n FROM medic.holds WHERE reason = 'live'")).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM medic.holds')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM medic.action_comments')).toBe(0);
    const chores = await world.db.query('SELECT name, period FROM medic.chores ORDER BY name, period');
    expect(chores.rows).toEqual([
      { name: 'prune', period: 'today' },
      { name: 'stuck', period: 'then' },
    ]);
  });
});
