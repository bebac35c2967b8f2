// [defaults] Ctrl-C during a recovery, on the real engine and Postgres: SIGINT while the
// container is being stopped (a slow stop) lets the run finish seed, start and mark online,
// so the workspace is running and its row online; the run ends `interrupted` with all its
// steps and says where it left the workspace, no snapshot helper is left, and the CLI exits
// 130. A second Ctrl-C would exit at once (not waited for).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../src/core/index.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { stopBegun } from '../helpers/stop-begun.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

describe('Ctrl-C during a recovery', () => {
  it('during the stop: the run finishes seed and start, mark online, ends interrupted, the CLI exits 130', async () => {
    // PID 1 ignores SIGTERM: the stop waits out MEDIC_STOP_TIMEOUT_S (3 s).
    const ws = await world.broken({ cmd: ['sleep', '3600'] });
    const since = Math.floor(Date.now() / 1000);
    let cli: Proc | null = null;
    try {
      cli = startProcess([BIN, 'recover', ws.container, '--no-color'], {
        DATABASE_URL: world.url,
        MEDIC_STOP_TIMEOUT_S: '3',
      });
      await stopBegun(world.docker, ws.container, since);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
    } finally {
      await cli?.stop('SIGKILL');
    }
    expect(cli.output()).toContain('SIGINT: stopping at a safe point');
    expect(cli.output()).toContain(`${ws.container}: interrupted (failed -> online)`);
    expect(cli.output()).toContain('it finished first (it was not left stopped), status online');
    expect(await world.status(ws.id)).toBe('online');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    expect(await world.ls(ws.volume)).toEqual(expect.arrayContaining(['config.yaml', '.provisioned']));
    const { rows } = await world.db.query(
      `SELECT r.outcome, r.error_code,
              (SELECT array_agg(s.name || ':' || s.status ORDER BY s.seq) FROM medic.step_events s WHERE s.run_id = r.run_id) AS steps
         FROM medic.runs r WHERE r.workspace_id = $1`,
      [ws.id],
    );
    expect(rows).toEqual([
      {
        outcome: 'interrupted',
        error_code: 'INTERRUPTED',
        steps: expect.arrayContaining([
          'stop:ok',
          'seed:ok',
          'start:ok',
          'mark-online:ok',
          'interrupt:failed',
        ]),
      },
    ]);
    const helpers = await world.docker.listContainers({
      all: true,
      filters: { label: ['workspace-medic.helper'] },
    });
    expect(
      helpers.filter(
        (c) => c.Names.some((n) => n.includes('snapshot')) && JSON.stringify(c.Mounts).includes(ws.volume),
      ),
    ).toEqual([]);
    // Nothing is left to do: the same command again finds it healthy.
    const next = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' });
    expect(next.outcome).toBe('healthy');
  }, 60_000);

  it('before the first change: nothing is changed, the run ends INTERRUPTED', async () => {
    const ws = await world.broken();
    const interrupt = AbortSignal.abort();
    const result = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli', interrupt });
    expect(result).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED' } });
    expect(result.steps.at(-1)).toMatchObject({ name: 'interrupt', status: 'failed' });
    expect(result.steps.map((s) => s.name)).not.toContain('stop');
    expect(await world.status(ws.id)).toBe('failed');
    expect(await world.ls(ws.volume)).toEqual([]);
  }, 60_000);
});
