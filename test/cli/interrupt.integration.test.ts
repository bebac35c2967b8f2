// [defaults] Ctrl-C during a recovery, on the real engine and Postgres: SIGINT while the
// container is being stopped (a slow stop) lets the run finish seed and start, so the
// workspace is running and its row online, the trail says it was interrupted, no snapshot
// helper is left, and the CLI exits 130. A second Ctrl-C would exit at once (not waited for).
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
  it('during the stop: the run finishes seed and start, the workspace runs, the CLI exits 130', async () => {
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
    expect(await world.status(ws.id)).toBe('online');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    const { rows } = await world.db.query(
      `SELECT r.outcome, (SELECT detail FROM medic.step_events s WHERE s.run_id = r.run_id AND s.name = 'interrupt') AS note
         FROM medic.runs r WHERE r.workspace_id = $1`,
      [ws.id],
    );
    expect(rows).toEqual([{ outcome: 'recovered', note: expect.stringContaining('finished first') }]);
    const helpers = await world.docker.listContainers({
      all: true,
      filters: { label: ['workspace-medic.helper'] },
    });
    expect(
      helpers.filter(
        (c) => c.Names.some((n) => n.includes('snapshot')) && JSON.stringify(c.Mounts).includes(ws.volume),
      ),
    ).toEqual([]);
  }, 60_000);

  it('before the first change: nothing is changed, the run ends INTERRUPTED', async () => {
    const ws = await world.broken();
    const interrupt = AbortSignal.abort();
    const result = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli', interrupt });
    expect(result.error?.code).toBe('INTERRUPTED');
    expect(result.steps.at(-1)).toMatchObject({ name: 'interrupt', status: 'failed' });
    expect(result.steps.map((s) => s.name)).not.toContain('stop');
    expect(await world.status(ws.id)).toBe('failed');
    expect(await world.ls(ws.volume)).toEqual([]);
  }, 60_000);
});
