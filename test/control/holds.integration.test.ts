// Holds against a real Postgres and engine: a held workspace is left alone by `medic watch`
// and an agent (both running) for the hold's length and counted held in the metrics, then
// healed once the hold runs out; a person's recover and rollback are refused WORKSPACE_HELD
// (on the record), --force ends the hold and says so; a fleet-wide hold keeps only the
// automatic paths off; and the races: a hold placed while a recovery runs (it finishes, the
// next is refused), a release while the watcher decides (healed either way).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hold, recover, release, rollback, sweep, workspaceHistory } from '../../src/core/index.js';
import { TEMPLATES } from '../helpers/core-deps.js';
import { agentUp } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
const procs: Proc[] = [];

beforeAll(async () => {
  world = await testWorld();
});
afterAll(async () => {
  for (const p of procs) await p.stop();
  await world?.close();
});

const operator = { actor: 'alice', source: 'cli' as const };

async function medic(args: string[]) {
  const out = await promisify(execFile)('node', [BIN, ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: world.url, CONFIGS_DIR: TEMPLATES, SUDO_USER: 'alice' },
  }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  return { code: 'code' in out ? out.code : 0, stdout: out.stdout, stderr: out.stderr };
}

describe('a held workspace', () => {
  it('is left alone by the watcher and an agent for the hold, counted held, and healed when it ends', async () => {
    const ws = await world.broken({ status: 'online' });
    const held = await medic([
      'hold',
      ws.container,
      '--for',
      '8s',
      '--reason',
      'rebuilding its volume by hand',
    ]);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain(`${ws.container}: held by alice until`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', String(port)], {
      DATABASE_URL: world.url,
    });
    procs.push(watch);
    procs.push(
      await agentUp(
        world.db,
        'hold-a',
        { DATABASE_URL: world.url, DOCKER_HOST: 'unix:///var/run/docker.sock' },
        [],
      ),
    );
    await expect.poll(() => watch.output(), { timeout: 15_000 }).toContain('watching ws-* containers');
    // The platform finds the volume empty and marks the row failed; the container is dead.
    await world.docker
      .getContainer(ws.container)
      .kill()
      .catch(() => undefined);
    await world.db.query("UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = $1", [
      ws.id,
    ]);
    const metric = async () =>
      /medic_workspaces_held (\d+)/.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1];
    await expect.poll(metric, { timeout: 5_000 }).toBe('1');
    const { rows } = await world.db.query('SELECT until FROM medic.holds WHERE workspace_id = $1', [ws.id]);
    const until = new Date((rows[0] as { until: string }).until).getTime();
    // Still alone until the hold's end (checked up to a second before it).
    while (Date.now() < until - 1000) {
      expect(await world.status(ws.id)).toBe('failed');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await world.ls(ws.volume)).toEqual([]);
    const trail = await workspaceHistory(world.db, ws.id);
    expect(trail.filter((r) => r.outcome !== 'refused')).toEqual([]);
    // Once it ends (by its time), the next look heals it.
    await expect.poll(() => world.status(ws.id), { timeout: 15_000, interval: 200 }).toBe('online');
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    await expect.poll(metric, { timeout: 5_000 }).toBe('0');
    for (const p of procs.splice(0)) await p.stop();
  }, 90_000);

  it('refuses recover and rollback with WORKSPACE_HELD, on the record; --force ends the hold and says so', async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'keep' } });
    await hold(
      world.deps(),
      { targets: [ws.container] },
      { ...operator, reason: 'hands off', forMs: 3_600_000 },
    );
    const refused = await recover(world.deps(), ws.container, { actor: 'bob', source: 'cli' });
    expect(refused.outcome).toBe('refused');
    expect(refused.error?.code).toBe('WORKSPACE_HELD');
    expect(refused.error?.message).toMatch(/held by alice until .*: hands off/);
    const cli = await medic(['recover', ws.container]);
    expect(cli.code).toBe(1);
    expect(cli.stderr + cli.stdout).toContain('WORKSPACE_HELD');
    // [contain] A dry run ends nothing: the hold is live after it, and said would-be ended.
    const planned = await recover(world.deps(), ws.container, {
      actor: 'bob',
      source: 'cli',
      force: true,
      dryRun: true,
    });
    expect(planned.outcome).toBe('planned');
    expect(planned.steps[0]).toMatchObject({ name: 'hold', status: 'skipped' });
    const live = await world.db.query('SELECT ended_at FROM medic.holds WHERE workspace_id = $1', [ws.id]);
    expect(live.rows).toEqual([{ ended_at: null }]);
    const forced = await recover(world.deps(), ws.container, { actor: 'bob', source: 'cli', force: true });
    expect(forced.outcome).toBe('recovered');
    // Ended once the run holds the lease, right before its first change.
    const names = forced.steps.map((s) => s.name);
    expect(names.indexOf('hold')).toBeGreaterThan(names.indexOf('lease'));
    expect(names.indexOf('hold')).toBe(names.indexOf('stop') - 1);
    const ended = forced.steps.find((s) => s.name === 'hold');
    expect(ended).toMatchObject({ status: 'ok' });
    expect(ended?.detail).toContain('ended the hold of alice (hands off) with --force');
    const { rows } = await world.db.query(
      'SELECT ended_by, end_note FROM medic.holds WHERE workspace_id = $1',
      [ws.id],
    );
    expect(rows[0]).toMatchObject({ ended_by: 'bob', end_note: `ended by --force (run ${forced.runId})` });
    await hold(world.deps(), { targets: [ws.container] }, { ...operator, reason: 'again', forMs: 60_000 });
    const back = await rollback(world.deps(), forced.runId, { actor: 'bob', source: 'cli' });
    expect(back.error?.code).toBe('WORKSPACE_HELD');
    const trail = await workspaceHistory(world.db, ws.id);
    expect(trail.filter((r) => r.error_code === 'WORKSPACE_HELD')).toHaveLength(3);
    const history = await medic(['history', ws.container]);
    expect(history.stdout).toMatch(/holds\n.*by alice via cli until .*: again \(live\)/);
    const listed = await medic(['holds']);
    expect(listed.stdout).toContain(`${ws.container}: held by alice until`);
    expect(listed.stdout).toMatch(/hands off \(ended .* by bob: ended by --force/);
    const json = (await medic(['holds', '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      json.some(
        (h: { reason: string; endedAt: string | null }) => h.reason === 'again' && h.endedAt === null,
      ),
    ).toBe(true);
    await release(world.deps(), { targets: [ws.container] }, operator);
  });

  it('a fleet-wide hold keeps sweep off every workspace, while people can still act', async () => {
    const [a, b] = await world.brokenMany(2);
    const window = await medic(['hold', '--all', '--for', '10m', '--reason', 'Postgres upgrade']);
    expect(window.stdout).toContain('every workspace (automatic paths): in a fleet-wide hold by alice');
    try {
      const report = await sweep(world.deps(), {
        actor: 'medic-sweep',
        source: 'auto',
        concurrency: 2,
        max: 10,
      });
      expect(report.results).toEqual([]);
      expect(report.held).toBeGreaterThanOrEqual(2);
      const auto = await recover(world.deps(), a!.container, { actor: 'medic-watch', source: 'auto' });
      expect(auto.error?.code).toBe('WORKSPACE_HELD');
      expect((await recover(world.deps(), b!.container, operator)).outcome).toBe('recovered');
      const status = await medic(['status']);
      expect(status.stdout).toContain('holds (1)');
      expect(status.stdout).toContain('every workspace (automatic paths): in a fleet-wide hold by alice');
    } finally {
      expect((await medic(['release', '--all'])).stdout).toContain('fleet-wide hold');
    }
    const after = await sweep(world.deps(), {
      actor: 'medic-sweep',
      source: 'auto',
      concurrency: 2,
      max: 10,
    });
    expect(after.results.map((r) => r.workspace.id)).toContain(a!.id);
  });
});

describe('a sweep as wide as the connection pool', () => {
  it('recovers every workspace: a run writes its events only once its session is back in the pool', async () => {
    // The test world's pool holds 8 connections; 8 runs at once each hold one for their lease.
    const broken = await world.brokenMany(8);
    const report = await sweep(world.deps({ MEDIC_RESTART_BUDGET: '100/1h' }), {
      actor: 'medic-sweep',
      source: 'auto',
      concurrency: 8,
      max: 100,
    });
    const ours = report.results.filter((r) => broken.some((b) => b.id === r.workspace.id));
    expect(ours.map((r) => r.outcome)).toEqual(Array(8).fill('recovered'));
  }, 60_000);
});

describe('races', () => {
  it('a hold placed while a recovery runs: that run finishes, the next one is refused', async () => {
    const ws = await world.broken({ cmd: ['sleep', '3600'] }); // its stop takes MEDIC_STOP_TIMEOUT_S
    const deps = world.deps({ MEDIC_STOP_TIMEOUT_S: '2' });
    const running = recover(deps, ws.container, { actor: 'bob', source: 'cli' });
    await expect
      .poll(
        async () =>
          (await world.db.query('SELECT 1 FROM medic.leases WHERE workspace_id = $1', [ws.id])).rows.length,
      )
      .toBe(1);
    await hold(deps, { targets: [ws.container] }, { ...operator, reason: 'mid-run', forMs: 60_000 });
    expect((await running).outcome).toBe('recovered');
    const next = await recover(deps, ws.container, { actor: 'bob', source: 'cli', force: false });
    expect(next.error?.code).toBe('WORKSPACE_HELD');
    await release(deps, { targets: [ws.container] }, operator);
  });

  it('a release while the watcher decides: the workspace ends healed, whichever comes first', async () => {
    for (let i = 0; i < 3; i++) {
      const ws = await world.broken();
      await hold(world.deps(), { targets: [ws.container] }, { ...operator, reason: 'race', forMs: 60_000 });
      const [auto] = await Promise.all([
        recover(world.deps(), ws.container, { actor: 'medic-watch', source: 'auto' }),
        release(world.deps(), { targets: [ws.container] }, operator),
      ]);
      // Either the release came first (healed now) or the hold did (refused, healed by the next try).
      expect(['recovered', 'refused']).toContain(auto.outcome);
      if (auto.outcome === 'refused') {
        expect(auto.error?.code).toBe('WORKSPACE_HELD');
        expect(
          (await recover(world.deps(), ws.container, { actor: 'medic-watch', source: 'auto' })).outcome,
        ).toBe('recovered');
      }
      expect(await world.status(ws.id)).toBe('online');
    }
  });
});
