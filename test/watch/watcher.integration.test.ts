// medic watch against the real engine: heals with no human step, stops at the restart
// budget, leaves paused workspaces alone; and as a process, serves metrics and stops cleanly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryResult } from '../../src/core/model/result.js';
import type { Watcher } from '../../src/watch/watcher.js';
import { execToEnd, type TestWorld, testWorld } from '../helpers/services.js';
import { startWatcher } from '../helpers/watcher.js';
import { cliEnv, spawnMedic } from '../reliability/cli-process.js';

let world: TestWorld;
let watcher: Watcher | undefined;
const results: RecoveryResult[] = [];

beforeAll(async () => {
  world = await testWorld();
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  results.length = 0;
});
afterAll(() => world?.close());

function watch(env: Record<string, string> = {}, intervalS = 3600) {
  watcher = startWatcher(world, { env, intervalS, onResult: (r) => results.push(r) });
  return watcher;
}

/** Empties the volume the way a prune or a bad deploy would, and kills the agent. */
async function breakIt(container: string) {
  const c = world.docker.getContainer(container);
  if (!(await c.inspect()).State.Running) await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'rm -rf /configs/* /configs/.provisioned'] });
  await execToEnd(exec);
  await c.kill();
}

const running = async (container: string) =>
  (await world.docker.getContainer(container).inspect()).State.Running;

describe('medic watch', () => {
  it('recovers a workspace whose volume was emptied and whose container died, with no command', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'runtime: claude-code\n' }, status: 'online' });
    const w = watch();
    await expect.poll(() => w.connected, { timeout: 5000 }).toBe(true);
    const broke = Date.now();
    await breakIt(ws.container);
    await expect.poll(() => results.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(results[0]).toMatchObject({ outcome: 'recovered', source: 'auto', actor: 'medic-watch' });
    // Detected when the container died (the Docker event), not when the run began.
    const detected = Date.parse(results[0]!.detectedAt!);
    expect(detected).toBeGreaterThanOrEqual(Math.floor(broke / 1000) * 1000);
    expect(detected).toBeLessThanOrEqual(Date.parse(results[0]!.startedAt));
    expect(results[0]!.detectedToOnlineMs).toBeGreaterThan(0);
    expect(await running(ws.container)).toBe(true);
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    expect(await world.status(ws.id)).toBe('online');
  });

  it('stops retrying a workspace that keeps failing once it is over the restart budget', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'x\n' }, status: 'online' });
    const other = await world.broken({ stray: { 'config.yaml': 'x\n' }, status: 'online' });
    const w = watch({ MEDIC_RESTART_BUDGET: '2/1h' });
    await expect.poll(() => w.connected, { timeout: 5000 }).toBe(true);
    for (let i = 1; i <= 4; i++) {
      await breakIt(ws.container);
      if (i <= 3) await expect.poll(() => results.length, { timeout: 20_000 }).toBe(i);
      else {
        // Resting: nothing should happen. Shown by the watcher healing another workspace broken
        // after this one, not by a sleep.
        await breakIt(other.container);
        await expect.poll(() => results.length, { timeout: 20_000 }).toBe(4);
      }
      await w.queue.idle();
    }
    expect(
      results.map(
        (r) => `${r.workspace.container === ws.container ? 'ws' : 'other'} ${r.error?.code ?? r.outcome}`,
      ),
    ).toEqual(['ws recovered', 'ws recovered', 'ws RESTART_BUDGET_EXCEEDED', 'other recovered']);
    expect(await running(ws.container)).toBe(false);
  });

  it('leaves a paused workspace alone', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'x\n' }, status: 'paused' });
    const w = watch();
    await expect.poll(() => w.connected, { timeout: 5000 }).toBe(true);
    await breakIt(ws.container);
    // A workspace broken after it, which the watcher does heal: once its result is in, the
    // paused one's events had reached the watcher too (the engine sends them in order).
    const other = await world.broken();
    await expect.poll(() => results.map((r) => r.workspace.id), { timeout: 20_000 }).toContain(other.id);
    await w.queue.idle();
    expect(results.map((r) => r.workspace.id)).toEqual([other.id]);
    expect(
      (await world.db.query('SELECT count(*)::int AS n FROM medic.runs WHERE workspace_id = $1', [ws.id]))
        .rows[0],
    ).toEqual({ n: 0 });
  });

  it('sweeps failed rows whose volume is empty, without any event', async () => {
    await world.db.query("UPDATE workspaces SET status = 'offline' WHERE status = 'failed'");
    const ws = await world.broken();
    const w = watch({}, 1);
    await expect
      .poll(() => results.some((r) => r.workspace.id === ws.id && r.outcome === 'recovered'), {
        timeout: 20_000,
      })
      .toBe(true);
    await w.queue.idle();
    expect(await world.status(ws.id)).toBe('online');
  });

  it('runs as a process with /healthz and /metrics, heals a row marked failed within seconds, and exits 0 on SIGTERM', async () => {
    // Made before the watcher starts (its start event is past) and still online: nothing in
    // Docker will say it broke, only its row will.
    const ws = await world.broken({ status: 'online' });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawnMedic(
      ['watch', '--interval', '3600', '--metrics-port', String(port)],
      cliEnv(world.url),
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    await expect.poll(() => stderr, { timeout: 15_000 }).toContain('watching ws-* containers');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: 'ok', docker: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('medic_leases_held');
    expect(metrics).toContain('medic_queue_depth');
    // The platform marks it failed: healed at the next look (1 s), not at the sweep (an hour).
    expect(await world.status(ws.id)).toBe('online');
    await world.db.query("UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = $1", [
      ws.id,
    ]);
    await expect.poll(() => world.status(ws.id), { timeout: 10_000, interval: 100 }).toBe('online');
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
