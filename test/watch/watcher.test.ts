// The watcher's rules, against the fake runtime and an in-process Postgres with a clock the
// test moves: it never touches a row in `provisioning` (the first-provision race the seed
// warns of), and a workspace it cannot fix is retried with a doubling backoff up to an hour,
// counted against the restart budget, and reported once per failure streak, not per try.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Clock, ContainerRuntime, Database, Queryable, RecoveryResult } from '../../src/core/index.js';
import { DockerOperationError } from '../../src/core/index.js';
import { MAX_BACKOFF_MS } from '../../src/watch/failure-streaks.js';
import { Watcher } from '../../src/watch/watcher.js';
import { addWorkspace } from '../helpers/core-deps.js';
import { useUnitWorld } from '../helpers/unit-world.js';

const world = useUnitWorld();

function watcher(intervalS = 60, random?: () => number) {
  let now = Date.now();
  const clock: Clock = {
    now: () => new Date(now),
    monotonicMs: () => now,
    sleep: () => new Promise((r) => setImmediate(r)),
  };
  const reports: RecoveryResult[] = [];
  const results: RecoveryResult[] = [];
  const w = new Watcher(
    { ...world.deps(), clock },
    {
      intervalS,
      concurrency: 2,
      events: async () => new PassThrough(),
      incidents: { report: async (r) => void reports.push(r) },
      onResult: (r) => results.push(r),
      ...(random ? { random } : {}),
    },
  );
  const pass = async () => {
    await w.sweep();
    await w.queue.idle();
  };
  return { w, reports, results, pass, advance: (ms: number) => (now += ms), now: () => now };
}

describe('the watcher', () => {
  it('never touches a workspace still in provisioning, even when its container starts with an empty volume', async () => {
    const ws = await addWorkspace(world.db, { status: 'provisioning' });
    world.runtime.add(ws.container);
    const { w, results } = watcher();
    w.queue.push(ws.container); // a `start` event
    await w.queue.idle();
    expect(results).toEqual([]);
    expect(world.runtime.calls).toEqual([]);
    expect(await world.status(ws.id)).toBe('provisioning');
  });

  it('leaves parked workspaces alone', async () => {
    const ws = await addWorkspace(world.db, { status: 'paused' });
    world.runtime.add(ws.container);
    const { w, results } = watcher();
    w.queue.push(ws.container);
    await w.queue.idle();
    expect(results).toEqual([]);
  });

  it('backs off a workspace that keeps failing, its ceiling doubling up to an hour, and reports it once', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    // The engine refuses the stop (nothing changed, so the budget is not used): a failure that
    // another attempt may get past (retryable), so the waits double.
    world.runtime.beforeCall = (call) => {
      if (call === 'stop') throw new DockerOperationError('stop refused (fake)');
    };
    // The jitter at its top: the waits are the backoff's ceilings.
    const { w, reports, results, pass, advance, now } = watcher(60, () => 1);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      await pass();
      await pass(); // a sweep right after changes nothing: the workspace is backing off
      delays.push((w.retryAt(ws.id) ?? 0) - now());
      advance(w.retryAt(ws.id)! - now());
    }
    expect(results).toHaveLength(9);
    expect(delays).toEqual([
      60e3,
      120e3,
      240e3,
      480e3,
      960e3,
      1920e3,
      MAX_BACKOFF_MS,
      MAX_BACKOFF_MS,
      MAX_BACKOFF_MS,
    ]);
    expect(results.slice(0, 3).map((r) => [r.error?.code, r.class, r.retryable])).toEqual([
      ['DOCKER_ERROR', 'engine_error', true],
      ['DOCKER_ERROR', 'engine_error', true],
      ['DOCKER_ERROR', 'engine_error', true],
    ]);
    // [defaults] Attempts that changed nothing do not use the restart budget (3/1h): the
    // fourth try is the same failure, still backed off, not RESTART_BUDGET_EXCEEDED.
    expect(results[3]?.error?.code).toBe('DOCKER_ERROR');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.error?.code).toBe('DOCKER_ERROR');
  });

  it('[storm] waits the longest backoff at once after a failure retrying cannot fix (template_missing)', async () => {
    const ws = await addWorkspace(world.db, { runtime: 'nosuch' });
    world.runtime.add(ws.container);
    const { w, results, pass, now } = watcher(60);
    await pass();
    expect(results.map((r) => [r.error?.code, r.class, r.retryable])).toEqual([
      ['TEMPLATE_NOT_FOUND', 'template_missing', false],
    ]);
    expect(w.retryAt(ws.id)! - now()).toBe(MAX_BACKOFF_MS);
  });

  it('ends the streak when the workspace comes back, and reports that', async () => {
    const ws = await addWorkspace(world.db, { runtime: 'nosuch' });
    world.runtime.add(ws.container);
    const { w, reports, pass, advance, now } = watcher(60);
    await pass();
    await world.db.query("UPDATE workspaces SET runtime = 'claude-code' WHERE id = $1", [ws.id]);
    advance(w.retryAt(ws.id)! - now());
    await pass();
    expect(reports.map((r) => r.outcome)).toEqual(['failed', 'recovered']);
    expect(w.retryAt(ws.id)).toBeNull();
  });

  it('heals a row the platform marks failed at its next look, not at the next sweep', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    world.runtime.add(ws.container); // its config volume is empty, its row still says online
    const { w, results } = watcher(3600);
    await w.look();
    await w.queue.idle();
    expect(results).toEqual([]);
    await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [ws.id]);
    await w.look();
    await w.queue.idle();
    expect(results.map((r) => r.outcome)).toEqual(['recovered']);
    // A row still failed at the next look is not new: it is left to the sweep (and its backoff).
    const stuck = await addWorkspace(world.db, { runtime: 'nosuch' });
    world.runtime.add(stuck.container);
    await w.look();
    await w.queue.idle();
    await w.look();
    await w.queue.idle();
    expect(results.map((r) => r.error?.code ?? r.outcome)).toEqual(['recovered', 'TEMPLATE_NOT_FOUND']);
  });

  it('[keep] keeps a last good copy of a workspace healthy past MEDIC_KEEP_AFTER at its sweep, once per MEDIC_KEEP_EVERY', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    world.runtime.add(ws.container, { files: { 'config.yaml': 'model: mine\n' } });
    const { w, advance } = watcher();
    const copies = async () =>
      (
        (
          await world.db.query(
            'SELECT count(*)::int AS n FROM medic.keep_copies WHERE workspace_id = $1::uuid',
            [ws.id],
          )
        ).rows[0] as { n: number }
      ).n;
    const exports = () => world.runtime.calls.filter((c) => c.startsWith('export')).length;
    // The pass runs off the sweep's path: wait for what it does, or for a moment when it does nothing.
    const afterPass = async (until: () => Promise<boolean>, ms = 1000) => {
      for (const end = Date.now() + ms; Date.now() < end && !(await until()); )
        await new Promise((r) => setTimeout(r, 20));
    };
    await w.sweep(); // healthy for less than MEDIC_KEEP_AFTER: nothing read
    await afterPass(async () => false);
    expect(exports()).toBe(0);
    advance(11 * 60_000);
    await w.sweep();
    await afterPass(async () => (await copies()) === 1, 15_000);
    expect(await copies()).toBe(1);
    advance(60_000);
    await w.sweep(); // looked at a minute ago: not due again until MEDIC_KEEP_EVERY has passed
    await afterPass(async () => false);
    expect(exports()).toBe(1);
  });

  it('reads the row once and asks the engine once before a heal runs (the run reads again under its lease)', async () => {
    const ws = await addWorkspace(world.db, { status: 'failed' });
    world.runtime.add(ws.container);
    const log: string[] = [];
    const base = world.deps();
    const counted = (q: Queryable): Queryable => ({
      query: (sql, params) => {
        if (/^SELECT id::text AS id, name, status, runtime FROM workspaces/.test(sql)) log.push('row');
        if (/^INSERT INTO medic\.runs/.test(sql.trim())) log.push('run');
        return q.query(sql, params);
      },
    });
    const runtime: ContainerRuntime = {
      ...base.runtime,
      inspect: (name) => {
        log.push('engine');
        return base.runtime.inspect(name);
      },
    };
    const db: Database = {
      ...base.db,
      ...counted(base.db),
      session: (fn) => base.db.session((s) => fn(counted(s))),
    };
    const results: RecoveryResult[] = [];
    const w = new Watcher(
      { ...base, db, runtime },
      {
        intervalS: 60,
        concurrency: 1,
        events: async () => new PassThrough(),
        incidents: { report: async () => {} },
        onResult: (r) => results.push(r),
      },
    );
    w.queue.push(ws.container);
    await w.queue.idle();
    expect(results.map((r) => r.outcome)).toEqual(['recovered']);
    const before = log.slice(0, log.indexOf('run'));
    // The run then asks again under its lease (its diagnose step, the wait for running): what
    // was true before the lease is not trusted after it.
    expect(before).toEqual(['row', 'engine']);
    expect(log.slice(log.indexOf('run'))).toContain('engine');
  });
});
