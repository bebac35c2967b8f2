// medic's optional trigger on the platform's table (deploy/workspace-failed-trigger.sql): a
// row that becomes `failed` is a NOTIFY, only then, and a watcher whose look at the rows is a
// minute away heals it at once; `medic watch` says when it is woken so.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureTriggerInstalled } from '../../src/core/index.js';
import type { RecoveryResult } from '../../src/core/model/result.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { startWatcher } from '../helpers/watcher.js';
import { cliEnv, spawnMedic } from '../reliability/cli-process.js';

const TRIGGER = path.resolve(import.meta.dirname, '../../deploy/workspace-failed-trigger.sql');
let world: TestWorld;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

describe("medic's optional trigger on the platform's table", () => {
  it('is absent until installed, and then notifies only when a row becomes failed', async () => {
    expect(await failureTriggerInstalled(world.deps())).toBe(false);
    await world.db.query(await readFile(TRIGGER, 'utf8'));
    await world.db.query(await readFile(TRIGGER, 'utf8')); // installing twice is harmless
    expect(await failureTriggerInstalled(world.deps())).toBe(true);

    const listener = new pg.Client({ connectionString: world.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('LISTEN medic_workspace_failed');
    try {
      const ws = await world.broken({ status: 'online', running: false });
      const set = (status: string) =>
        world.db.query('UPDATE workspaces SET status = $2 WHERE id = $1', [ws.id, status]);
      await set('failed'); // online -> failed: heard
      await set('failed'); // failed -> failed: not
      await set('offline');
      await set('failed'); // heard again
      await world.db.query("UPDATE workspaces SET name = 'renamed' WHERE id = $1", [ws.id]);
      const fresh = await world.broken({ status: 'failed', running: false }); // inserted failed: heard
      // A last notification, sent after every statement above: once it is heard, anything
      // those statements would have sent has been heard too (NOTIFYs arrive in commit order).
      const last = await world.broken({ status: 'failed', running: false });
      await expect.poll(() => heard.at(-1), { timeout: 2000 }).toBe(last.id);
      expect(heard).toEqual([ws.id, ws.id, fresh.id, last.id]);
    } finally {
      await listener.end();
    }
  });

  it('wakes a watcher whose next look is a minute away: the row is healed within seconds', async () => {
    await world.db.query(await readFile(TRIGGER, 'utf8'));
    await world.db.query("UPDATE workspaces SET status = 'offline' WHERE status = 'failed'"); // earlier rows
    const ws = await world.broken({ status: 'online' }); // running, its volume empty
    const results: RecoveryResult[] = [];
    const watcher = startWatcher(world, {
      onResult: (r) => results.push(r),
      lookMs: 60_000,
      wakeOnFailure: true,
    });
    try {
      // Listening, and its first sweep done: from here only the trigger can wake it (its next
      // look is a minute away).
      await Promise.all([watcher.listening, watcher.firstSweep]);
      const marked = Date.now();
      await world.db.query("UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = $1", [
        ws.id,
      ]);
      await expect.poll(() => results.length, { timeout: 10_000 }).toBe(1);
      expect(results[0]).toMatchObject({ outcome: 'recovered', source: 'auto' });
      expect(Date.parse(results[0]!.startedAt) - marked).toBeLessThan(2000);
      expect(await world.status(ws.id)).toBe('online');
    } finally {
      await watcher.stop();
    }
  });

  it('`medic watch` says it is woken by the trigger when the table has it', async () => {
    await world.db.query(await readFile(TRIGGER, 'utf8'));
    const watch = spawnMedic(['watch', '--metrics-port', '0'], cliEnv(world.url));
    let said = '';
    watch.stderr?.on('data', (d) => {
      said += d;
    });
    const exited = new Promise<number | null>((r) => watch.once('exit', r));
    try {
      await expect.poll(() => said, { timeout: 20_000 }).toContain('watching ws-* containers');
      expect(said).toContain("woken by the platform's trigger");
    } finally {
      watch.kill('SIGTERM');
    }
    expect(await exited, said).toBe(0);
    // A process start and a drain on a loaded machine: well past the default 60 s bound once in a full run.
  }, 120_000);
});
