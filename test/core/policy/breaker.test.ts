// [storm] The breaker and the waves through the core's recover, against the fake runtime and
// an in-process Postgres (the decisions are the database's functions, the same on a server).
import { describe, expect, it } from 'vitest';
import { brakeChores, closeBreaker } from '../../../src/core/commands/brake.js';
import { recover } from '../../../src/core/commands/recover.js';
import { sweep } from '../../../src/core/commands/sweep.js';
import { listBreakers, markFlapping } from '../../../src/core/store/breaker-store.js';
import { addWorkspace, applyTestPolicy } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const auto = { actor: 'medic-watch', source: 'auto' } as const;
const person = { actor: 'alice', source: 'cli' } as const;
const EVENTS = '[breaker.opened, breaker.closed, heal.paused, recovery.failed, workspace.stable]';

async function policy(autoheal: string): Promise<void> {
  await applyTestPolicy(
    world.db,
    `autoheal: ${autoheal}\nnotify:\n  - webhook: {url_env: HOOK_URL, secret_env: HOOK_SECRET}\n    events: ${EVENTS}\n`,
  );
}

/** `n` workspaces, the first `broken` of them failed with an empty volume; the rest online. */
async function fleet(n: number, broken: number, runtime = 'claude-code') {
  const all = [];
  for (let i = 0; i < n; i++) {
    const ws = await addWorkspace(world.db, { status: i < broken ? 'failed' : 'online', runtime });
    world.runtime.add(ws.container, { files: {} });
    all.push(ws);
  }
  return all;
}

const events = async (kind: string) =>
  (await world.db.query('SELECT payload FROM medic.outbox WHERE event = $1 ORDER BY id', [kind])).rows.map(
    (r) => (r as { payload: Record<string, unknown> }).payload,
  );
const storedRuns = async (id: string) =>
  Number(
    (await world.db.one<{ n: string }>('SELECT count(*) AS n FROM medic.runs WHERE workspace_id = $1', [id]))
      ?.n,
  );

describe('the breaker', () => {
  it('opens past max_unhealthy: automatic recoveries are refused BREAKER_OPEN, said once, a person still recovers', async () => {
    await policy('{max_unhealthy: 20%}');
    const ws = await fleet(10, 3); // 3 of 10 broken, the limit 2
    const deps = world.deps();

    const first = await recover(deps, ws[0]!.container, auto);
    expect(first.outcome).toBe('refused');
    expect(first.error?.code).toBe('BREAKER_OPEN');
    expect(first.error?.message).toContain('the fleet breaker is open (3 of 10 broken, limit 2)');
    expect(world.runtime.calls).toEqual([]); // nothing touched
    const again = await recover(deps, ws[0]!.container, auto);
    expect(again.error?.code).toBe('BREAKER_OPEN');
    expect(await storedRuns(ws[0]!.id)).toBe(1); // the first skip on the record, the next counted
    await recover(deps, ws[1]!.container, auto);

    const opened = await events('breaker.opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ scope: 'fleet', counts: { broken: 3, total: 10, limit: 2 } });
    expect((opened[0]!.counts as { workspaces: string[] }).workspaces).toHaveLength(3);

    const [b] = await listBreakers(world.db);
    expect(b).toMatchObject({ scope: 'fleet', state: 'open', skipped: 3 });
    expect(b!.skips.map((s) => s.workspaceId).sort()).toEqual([ws[0]!.id, ws[1]!.id].sort());

    // A person's run goes ahead, and says that the breaker is open.
    const manual = await recover(deps, ws[2]!.container, person);
    expect(manual.outcome).toBe('recovered');
    expect(manual.steps.find((s) => s.name === 'breaker')?.detail).toContain('the fleet breaker is open');
  });

  it('an operator closes it (recorded, with a reason); the broken then heal in waves and count no more', async () => {
    await policy('{max_unhealthy: 2, canary: 2}');
    const ws = await fleet(10, 5);
    const deps = world.deps();
    expect((await recover(deps, ws[0]!.container, auto)).error?.code).toBe('BREAKER_OPEN');

    await expect(closeBreaker(deps, { scope: 'fleet', by: 'alice', reason: '' })).rejects.toThrow(/reason/);
    await expect(closeBreaker(deps, { scope: 'nowhere', by: 'alice', reason: 'x' })).rejects.toThrow(
      /names no scope/,
    );
    const closed = await closeBreaker(deps, { scope: null, by: 'alice', reason: 'the NFS mount is back' });
    expect(closed).toMatchObject([{ scope: 'fleet', was: 'open', failed: 5 }]);
    expect(await events('breaker.closed')).toMatchObject([
      { scope: 'fleet', by: 'alice', reason: 'the NFS mount is back' },
    ]);
    const log = await world.db.query("SELECT by, reason FROM medic.breaker_log WHERE kind = 'closed'");
    expect(log.rows).toEqual([{ by: 'alice', reason: 'the NFS mount is back' }]);

    // Five failed, more than the canary: waves of 2, then 4.
    const waves: string[] = [];
    for (const w of ws.slice(0, 5)) {
      const r = await recover(deps, w.container, auto);
      expect(r.outcome).toBe('recovered');
      waves.push(r.steps.find((s) => s.name === 'wave')?.detail ?? 'none');
    }
    expect(waves.slice(0, 3)).toEqual([
      'wave 1 in fleet (up to 2 recoveries)',
      'wave 1 in fleet (up to 2 recoveries)',
      'wave 2 in fleet (up to 4 recoveries)',
    ]);
    const [b] = await listBreakers(world.db);
    expect(b!.state).toBe('closed');
    expect(await events('breaker.opened')).toHaveLength(1); // the baseline did not open it again
  });

  it('closes by itself after close_after under the limit, and says so', async () => {
    await policy("{max_unhealthy: 1, close_after: '1s'}");
    const ws = await fleet(4, 2);
    const deps = world.deps();
    expect((await recover(deps, ws[0]!.container, auto)).error?.code).toBe('BREAKER_OPEN');
    await brakeChores(deps);
    expect((await listBreakers(world.db))[0]!.state).toBe('open'); // still over the limit
    await world.db.query("UPDATE workspaces SET status = 'online' WHERE id = $1", [ws[1]!.id]);
    await brakeChores(deps); // under the limit from now
    expect((await listBreakers(world.db))[0]).toMatchObject({ state: 'open', underSince: expect.any(Date) });
    // close_after (1 s) is measured by the database from under_since: moved back, not waited for.
    await world.db.query("UPDATE medic.breakers SET under_since = under_since - interval '2 seconds'");
    await brakeChores(deps);
    expect((await listBreakers(world.db))[0]!.state).toBe('closed');
    expect(await events('breaker.closed')).toMatchObject([{ scope: 'fleet', by: 'medic' }]);
    expect((await recover(deps, ws[0]!.container, auto)).outcome).toBe('recovered');
  });

  it('per runtime: one runtime past its limit leaves the other healing', async () => {
    await policy('{max_unhealthy: 50%, scope: runtime}');
    const cc = await fleet(2, 2, 'claude-code'); // 2 of 2 broken: over 50%
    const lg = await fleet(4, 1, 'langgraph'); // 1 of 4: under
    const deps = world.deps();
    expect((await recover(deps, cc[0]!.container, auto)).error?.code).toBe('BREAKER_OPEN');
    expect((await recover(deps, lg[0]!.container, auto)).outcome).toBe('recovered');
    expect((await listBreakers(world.db)).map((b) => `${b.scope}:${b.state}`)).toEqual([
      'runtime:claude-code:open',
      'runtime:langgraph:closed',
    ]);
  });

  it('medic sweep is held back too; its dry run is not, and writes no breaker', async () => {
    await policy('{max_unhealthy: 1}');
    await fleet(3, 2);
    const deps = world.deps();
    const planned = await sweep(deps, { ...person, dryRun: true, concurrency: 1, max: 10 });
    expect(planned.results.map((r) => r.outcome)).toEqual(['planned', 'planned']);
    expect(await listBreakers(world.db)).toEqual([]);
    const report = await sweep(deps, { ...person, concurrency: 1, max: 10 });
    expect(report.results.map((r) => r.error?.code)).toEqual(['BREAKER_OPEN', 'BREAKER_OPEN']);
  });
});

describe('waves', () => {
  it('a wave over max_failure_ratio pauses the scope (heal.paused with the failed runs) until a person closes it', async () => {
    await policy('{canary: 2, max_failure_ratio: 0.5}');
    const ws = await fleet(8, 4, 'no-such-runtime'); // their template is missing: every run fails
    const deps = world.deps();
    const first = await recover(deps, ws[0]!.container, auto);
    const second = await recover(deps, ws[1]!.container, auto);
    expect([first.outcome, second.outcome]).toEqual(['failed', 'failed']); // the canary wave, judged once both ended
    const third = await recover(deps, ws[2]!.container, auto);
    expect(third.error?.code).toBe('BREAKER_OPEN');
    expect(third.error?.message).toContain('healing in fleet is paused (wave 1: 2 of 2 failed)');
    const paused = await events('heal.paused');
    expect(paused).toHaveLength(1);
    expect(paused[0]).toMatchObject({ scope: 'fleet', state: 'paused' });
    expect((paused[0]!.counts as { failedRuns: string[] }).failedRuns.sort()).toEqual(
      [first.runId, second.runId].sort(),
    );
    expect((await listBreakers(world.db))[0]!.state).toBe('paused');

    await closeBreaker(deps, { scope: 'fleet', by: 'alice', reason: 'template fixed' });
    const resumed = await recover(deps, ws[2]!.container, auto);
    expect(resumed.error?.code).not.toBe('BREAKER_OPEN');
  });

  it('a few broken heal at once, with no wave', async () => {
    await policy('{canary: 2}');
    const ws = await fleet(5, 2);
    const r = await recover(world.deps(), ws[0]!.container, auto);
    expect(r.outcome).toBe('recovered');
    expect(r.steps.some((s) => s.name === 'wave')).toBe(false);
  });
});

describe('workspace.stable', () => {
  it('is said once when a workspace said to be flapping is online and its regressions have left the window', async () => {
    await policy('{flapping_after: 2}');
    const [steady, still, down] = await fleet(3, 0);
    for (const w of [steady!, still!, down!]) await markFlapping(world.db, w.id);
    // `still` broke again twice within the window: still flapping. `down` is failed.
    for (let i = 0; i < 2; i++) {
      await world.db.query(
        'INSERT INTO medic.regressions (run_id, previous_run_id, workspace_id, gap_s) VALUES ($1, $2, $3, 60)',
        [crypto.randomUUID(), crypto.randomUUID(), still!.id],
      );
    }
    await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [down!.id]);
    const deps = world.deps();
    await brakeChores(deps);
    await brakeChores(deps);
    const stable = await events('workspace.stable');
    expect(stable.map((p) => p.container)).toEqual([steady!.container]);
  });
});

describe('the breaker of a failure class', () => {
  it('opens when failed workspaces across scopes last failed with one class: those wait, the others heal', async () => {
    // Per runtime, each under its limit of 2; one class over it, counted across the fleet.
    await policy('{max_unhealthy: 2, scope: runtime, canary: 100}');
    const cc = await fleet(4, 2, 'claude-code');
    const lg = await fleet(4, 2, 'langgraph');
    const deps = world.deps();
    // Three of them last failed with image_missing (their runs on the record, as a watcher's would be).
    for (const w of [cc[0]!, cc[1]!, lg[0]!]) {
      await world.db.query(
        `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, outcome, error_code, started_at, finished_at, result)
         VALUES ($1, $2, 'recover', 'auto', 'medic-watch', 'finished', 'failed', 'DOCKER_ERROR', now(), now(), $3)`,
        [crypto.randomUUID(), w.id, JSON.stringify({ class: 'image_missing', retryable: false })],
      );
    }
    const skipped = await recover(deps, cc[0]!.container, auto);
    expect(skipped.error?.code).toBe('BREAKER_OPEN');
    expect(skipped.error?.message).toContain(
      'the class:image_missing breaker is open (3 failed workspaces last failed with image_missing, limit 2)',
    );
    expect(await events('breaker.opened')).toMatchObject([{ scope: 'class:image_missing' }]);
    // One that never failed heals; so does a person's run of one in the class.
    expect((await recover(deps, lg[1]!.container, auto)).outcome).toBe('recovered');
    expect((await recover(deps, lg[0]!.container, person)).outcome).toBe('recovered');
    const states = (await listBreakers(world.db)).map((b) => `${b.scope}:${b.state}`);
    expect(states).toContain('class:image_missing:open');
    expect(states).toContain('runtime:langgraph:closed');
  });
});
