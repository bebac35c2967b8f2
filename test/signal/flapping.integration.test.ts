// [storm] Flapping, over the real engine and Postgres: a workspace that breaks again soon after
// each recovery, `autoheal.flapping_after` times within MEDIC_REGRESSION_WINDOW, is flapping.
// The regression that makes it so writes one `workspace.flapping` event; the automatic paths
// (the watcher's and the sweep's verdict) leave it alone from then on, saying why; a person's
// `medic recover` still runs, and the restart budget's refusal says flapping when that is why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusLines } from '../../src/cli/commands/status.js';
import { healingVerdict, parseTarget, recover } from '../../src/core/index.js';
import { findWorkspace } from '../../src/core/store/workspace-store.js';
import { fleetStatus } from '../../src/engines/fleet-status.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(
    world.db,
    [
      'repos:\n  - repo: acme/platform\n    workspaces: all',
      'notify:\n  - webhook: {url_env: HOOK, secret_env: HOOK_SECRET}\n    events: [workspace.flapping]',
      'autoheal:\n  flapping_after: 2',
    ].join('\n'),
  );
}, 60_000);
afterAll(() => world?.close());

/** What the platform sees: the volume found empty, the row marked failed. */
async function breakAgain(volume: string, id: string) {
  const c = await world.docker.createContainer({
    Image: world.image,
    Cmd: ['sh', '-c', 'rm -rf /configs/* /configs/.provisioned'],
    Labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
    HostConfig: { Binds: [`${volume}:/configs`] },
  });
  await c.start();
  await c.wait();
  await c.remove();
  await world.db.query("UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = $1", [id]);
}

const flappingEvents = async (id: string) =>
  (
    await world.db.query(
      "SELECT payload->'flapping' AS f FROM medic.outbox WHERE event = 'workspace.flapping' AND payload->'workspace'->>'id' = $1",
      [id],
    )
  ).rows;

describe('a flapping workspace', () => {
  it('is said once, left alone by the automatic paths, and still recovered by a person', async () => {
    const ws = await world.broken();
    const auto = { actor: 'medic-watch', source: 'auto' as const };
    expect((await recover(world.deps(), ws.container, auto)).outcome).toBe('recovered');
    await breakAgain(ws.volume, ws.id);
    expect((await recover(world.deps(), ws.container, auto)).regression).not.toBeNull(); // 1
    expect(await flappingEvents(ws.id)).toEqual([]);
    await breakAgain(ws.volume, ws.id);
    expect((await recover(world.deps(), ws.container, auto)).regression).not.toBeNull(); // 2: flapping
    expect(await flappingEvents(ws.id)).toEqual([{ f: { regressions: 2, after: 2, flapping: true } }]);

    // Broken once more: the automatic paths leave it alone, and say why.
    await breakAgain(ws.volume, ws.id);
    const verdict = await healingVerdict(world.deps(), await findWorkspace(world.db, parseTarget(ws.id)));
    expect(verdict).toMatchObject({
      heal: false,
      why: expect.stringContaining(
        `flapping: broke again 2 times within 24h of a recovery (policy autoheal.flapping_after 2); automatic heals stop, a person may still run medic recover ${ws.container}`,
      ),
    });
    // medic status says so beside its budget.
    const status = await fleetStatus(world.db, world.deps().config.restartBudget, 24 * 3600 * 1000);
    expect(status.failed.find((w) => w.id === ws.id)?.flapping).toEqual({ regressions: 2, after: 2 });
    const line = statusLines(status, new Date()).find((l) => l.includes(ws.container))!;
    expect(line.replace(/[\uE000-\uE005]/g, '')).toContain(
      'flapping (broke again 2 times soon after a recovery): left to a person',
    );
    // The budget (3 per hour) is spent too: its refusal names flapping as the reason.
    const refused = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' });
    expect(refused.error).toMatchObject({
      code: 'RESTART_BUDGET_EXCEEDED',
      message: expect.stringContaining('flapping: broke again 2 times'),
    });
    // A person decides: --force recovers it; the event was written once.
    const forced = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli', force: true });
    expect(forced.outcome).toBe('recovered');
    expect(await world.status(ws.id)).toBe('online');
    expect(await flappingEvents(ws.id)).toHaveLength(1);
  }, 90_000);
});
