// Outages while recovering: each ends with a coded error, a truthful row, and the trail
// stored where it can be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../src/core/commands/recover.js';
import { execToEnd, type TestWorld, testWorld } from '../helpers/services.js';
import { cliEnv, medic } from './cli-process.js';
import { tally } from './tally.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());
const cli = { actor: 'reliability', source: 'cli' } as const;

describe('outages', () => {
  it('Docker engine unreachable: DOCKER_UNAVAILABLE, row unchanged, trail stored', async () => {
    const ws = await world.broken();
    const out = await medic(
      ['recover', ws.container, '--json'],
      cliEnv(world.url, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
    );
    tally('fault');
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout);
    expect(result.error.code).toBe('DOCKER_UNAVAILABLE');
    expect(await world.status(ws.id)).toBe('failed');
    const trail = await world.db.query(
      'SELECT s.name, s.status FROM medic.step_events s WHERE run_id = $1 ORDER BY seq',
      [result.runId],
    );
    expect(trail.rows).toEqual([
      { name: 'lease', status: 'ok' },
      { name: 'diagnose', status: 'failed' },
    ]);
  });

  it('Postgres unreachable: DATABASE_UNAVAILABLE, the workspace untouched, no secret printed', async () => {
    const ws = await world.broken();
    const out = await medic(['recover', ws.container], cliEnv('postgres://medic:s3cret-pw@127.0.0.1:1/none'));
    tally('fault');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('DATABASE_UNAVAILABLE');
    expect(out.stderr + out.stdout).not.toContain('s3cret-pw');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    expect(await world.ls(ws.volume)).toEqual([]);
  });

  it('a start that never becomes healthy: START_TIMEOUT, row failed, config kept for the next try', async () => {
    const ws = await world.broken({
      status: 'degraded',
      healthcheck: {
        Test: ['CMD', 'false'],
        Interval: 60_000_000_000,
        StartPeriod: 60_000_000_000,
        Retries: 1,
      },
    });
    const result = await recover(world.deps({ MEDIC_START_TIMEOUT_S: '2' }), ws.container, cli);
    tally('fault', 1, { shortened: ['MEDIC_START_TIMEOUT_S=2', 'MEDIC_STOP_TIMEOUT_S=5'] });
    expect(result.error?.code).toBe('START_TIMEOUT');
    expect(result.steps.at(-1)).toMatchObject({ name: 'wait', status: 'failed' });
    expect(await world.status(ws.id)).toBe('failed');
    expect(await world.ls(ws.volume)).toContain('config.yaml');
  });

  it('a container that will not start: CONTAINER_START_FAILED, row failed, stray files kept', async () => {
    const ws = await world.broken({
      cmd: ['/no/such/agent'],
      running: false,
      status: 'offline',
      stray: { 'keep.txt': 'k\n' },
    });
    const result = await recover(world.deps({ MEDIC_START_TIMEOUT_S: '5' }), ws.container, cli);
    tally('fault', 1, { shortened: ['MEDIC_START_TIMEOUT_S=5', 'MEDIC_STOP_TIMEOUT_S=5'] });
    expect(result.error?.code).toBe('CONTAINER_START_FAILED');
    expect(await world.status(ws.id)).toBe('failed');
    const lost = !(await world.ls(ws.volume)).includes('keep.txt');
    tally('dataLoss', lost ? 1 : 0);
    expect(lost).toBe(false);
  });

  it('a workspace that keeps breaking stops being recovered at the budget', async () => {
    const ws = await world.broken();
    const deps = world.deps({ MEDIC_RESTART_BUDGET: '2/1h' });
    const outcomes: string[] = [];
    const said: string[] = []; // each run's outcome and steps, shown when the expectation fails
    for (let i = 0; i < 3; i++) {
      const result = await recover(deps, ws.container, cli);
      outcomes.push(result.error?.code ?? 'ok');
      said.push(
        `${result.outcome} ${result.error?.code ?? ''} ${result.steps.map((s) => `${s.name}:${s.status}`).join(',')}`,
      );
      // The fault: the volume is emptied again (as a prune would) and the row marked failed.
      await world.docker.getContainer(ws.container).stop({ t: 2 });
      await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [ws.id]);
      await world.docker.getContainer(ws.container).start();
      const exec = await world.docker
        .getContainer(ws.container)
        .exec({ Cmd: ['sh', '-c', 'rm -rf /configs/* /configs/.provisioned'] });
      await execToEnd(exec);
      tally('fault', 1, {
        shortened: ['MEDIC_RESTART_BUDGET=2/1h (one recovery fewer)', 'MEDIC_STOP_TIMEOUT_S=5'],
      });
    }
    expect(outcomes, said.join('\n')).toEqual(['ok', 'ok', 'RESTART_BUDGET_EXCEEDED']);
  });
});
