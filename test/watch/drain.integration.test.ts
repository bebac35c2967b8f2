// [defaults] SIGTERM to `medic watch` while it heals: it drains for MEDIC_DRAIN_S, then the run
// still going stops at its next safe point. Caught in its stop, that point is after the start:
// the workspace runs again with its config and its row online, the run ends `interrupted`
// (its trail says the drain cut it short), and the process exits 0. MEDIC_DRAIN_S is shortened to 1 s (from 20) and the stop to 3 s only to save
// time: with the defaults the same run would finish inside the drain.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { stopBegun } from '../helpers/stop-begun.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

describe('medic watch on SIGTERM', () => {
  it('drains for MEDIC_DRAIN_S, then a run in its stop finishes seed and start; exit 0', async () => {
    let watch: Proc | null = null;
    try {
      watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', '0'], {
        DATABASE_URL: world.url,
        MEDIC_STOP_TIMEOUT_S: '3',
        MEDIC_DRAIN_S: '1',
      });
      await until('medic watch is up', 15_000, async () =>
        watch!.output().includes('watching ws-* containers'),
      );
      const since = Math.floor(Date.now() / 1000);
      // PID 1 ignores SIGTERM: the stop waits out MEDIC_STOP_TIMEOUT_S, longer than the drain.
      const ws = await world.broken({ cmd: ['sleep', '3600'] });
      await stopBegun(world.docker, ws.container, since);
      watch.child.kill('SIGTERM');
      expect(await watch.exited).toBe(0);
      expect(watch.output()).toContain('finishing 1 recoveries in flight (at most 1 s, MEDIC_DRAIN_S)');
      expect(watch.output()).toContain('1 recoveries stopped at a safe point when the drain ran out');
      expect(await world.status(ws.id)).toBe('online');
      expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
      expect(await world.ls(ws.volume)).toContain('config.yaml');
      const { rows } = await world.db.query(
        'SELECT outcome, error_code FROM medic.runs WHERE workspace_id = $1',
        [ws.id],
      );
      expect(rows).toEqual([{ outcome: 'interrupted', error_code: 'INTERRUPTED' }]);
      expect(watch.output()).toContain(`"kind":"interrupted","workspace":"${ws.container}"`);
    } finally {
      await watch?.stop('SIGKILL');
    }
  }, 60_000);
});
