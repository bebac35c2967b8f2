// [voice] medic watch says what it decides: a heal is one line on stderr, and a ws-* container
// that is no workspace of this database (another tenant's, on the same engine) is counted into
// a summary, not logged as WORKSPACE_NOT_FOUND each time it starts or dies.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

describe('medic watch, what it says', () => {
  it('one line per heal; strangers summarised', async () => {
    let watch: Proc | null = null;
    const hex = randomBytes(6).toString('hex');
    const stranger = `ws-${hex.slice(0, 8)}-${hex.slice(8, 11)}`; // a workspace's name, not in this database
    try {
      watch = startProcess(
        [BIN, 'watch', '--interval', '3600', '--metrics-port', '0', '--log-format', 'human'],
        { DATABASE_URL: world.url },
      );
      await until('medic watch is up', 15_000, async () =>
        watch!.output().includes('watching ws-* containers'),
      );
      const ws = await world.broken();
      await until('the heal is said', 30_000, async () =>
        watch!.output().includes(`medic: healed ${ws.container}`),
      );
      const c = await world.docker.createContainer({
        name: stranger,
        Image: world.image,
        Cmd: ['true'],
        Labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
      });
      await c.start();
      await c.wait();
      // A second workspace broken after the stranger died: once its heal is said, the watcher
      // has read the engine's events past the stranger's. Stopping it prints the summary.
      const after = await world.broken();
      await until('the second heal is said', 30_000, async () =>
        watch!.output().includes(`medic: healed ${after.container}`),
      );
      expect(await watch.stop('SIGTERM')).toBe(0);
      const out = watch.output();
      expect(out).toMatch(new RegExp(`medic: healed ${ws.container} \\(run [0-9a-f]{8}, [0-9.]+ s\\)`));
      expect(out).not.toContain('WORKSPACE_NOT_FOUND');
      expect(out).toMatch(/medic: \d+ ws-\* containers on this engine are no workspace of this database/);
      expect(out).toContain(stranger);
    } finally {
      await watch?.stop('SIGKILL');
      await world.docker
        .getContainer(stranger)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }, 60_000);
});
