// The snapshot's read beside the stop, against the real engine: a volume that stayed empty is
// taken from the read begun while the container stopped; a volume the agent wrote to while it
// shut down, one that was not empty, and a helper the engine would not make are read again
// after the stop, as before; no helper outlives its run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../src/core/commands/recover.js';
import { readTarEntries } from '../../src/core/index.js';
import type { RecoveryResult } from '../../src/core/model/result.js';
import { HELPER_LABEL } from '../../src/docker/read-ahead.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
const cli = { actor: 'itest', source: 'cli' } as const;
const settle = () => new Promise((r) => setTimeout(r, 200)); // past the 50 ms timestamp guard

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

const helpersOf = async (volume: string) =>
  world.docker.listContainers({
    all: true,
    filters: { label: [HELPER_LABEL, `workspace-medic.volume=${volume}`] },
  });
const snapshotStep = (r: RecoveryResult) => r.steps.find((s) => s.name === 'snapshot');
const storedSnapshot = async (runId: string) => {
  const { rows } = await world.db.query('SELECT tar FROM medic.snapshots WHERE run_id = $1', [runId]);
  const tar = (rows[0] as { tar: Buffer } | undefined)?.tar;
  return tar
    ? (await readTarEntries(tar, { maxEntries: 100, keepContent: () => true })).map((e) => e.path)
    : null;
};

describe('the snapshot read beside the stop', () => {
  it('takes an empty volume from the read begun while the container stopped, and leaves no helper', async () => {
    const ws = await world.broken();
    await settle();
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(snapshotStep(result)).toMatchObject({
      status: 'skipped',
      detail: `${ws.volume} is empty (read while it stopped, unchanged since)`,
    });
    expect(result.snapshot).toBeNull();
    expect(await helpersOf(ws.volume)).toEqual([]);
  });

  // At once (the read sees the file), and 300 ms after SIGTERM (the read saw an empty volume;
  // the directory's stat after the stop tells that it changed).
  it.each([
    ['at once', ''],
    ['after the read', 'sleep 0.3; '],
  ])(
    'reads again after the stop when the agent wrote into the volume as it shut down (%s), and keeps what it wrote',
    async (_when, delay) => {
      const ws = await world.broken({
        cmd: ['sh', '-c', `trap '${delay}echo bye > /configs/late.txt; exit 0' TERM; sleep 3600 & wait`],
      });
      await settle();
      const result = await recover(world.deps(), ws.container, cli);
      expect(result.outcome).toBe('recovered');
      const step = snapshotStep(result);
      expect(step?.status).toBe('ok');
      expect(step?.detail).toMatch(/^1 entries, /);
      expect(result.snapshot).not.toBeNull();
      expect(await storedSnapshot(result.runId)).toContain('configs/late.txt');
      expect(await world.cat(ws.volume, 'late.txt')).toBe('bye\n');
      expect(await helpersOf(ws.volume)).toEqual([]);
    },
  );

  it('settles to the read only when the directory did not move between the read and the stop', async () => {
    const runtime = world.deps().runtime;
    const exec = async (container: string, cmd: string) => {
      const e = await world.docker.getContainer(container).exec({ Cmd: ['sh', '-c', cmd] });
      const stream = await e.start({});
      stream.resume();
      await new Promise((r) => stream.on('end', r));
    };
    for (const write of [false, true]) {
      const ws = await world.broken();
      await settle();
      const ahead = runtime.readAhead?.((await runtime.inspect(ws.container))!, 1024 * 1024);
      await new Promise((r) => setTimeout(r, 500)); // the read (~70 ms) is done by now
      if (write) await exec(ws.container, 'echo x > /configs/new.txt'); // after the read, before the stop
      await runtime.stop(ws.container, 5);
      const settled = await ahead!.settle();
      // Written after the read: settled to null (read again). On a machine so busy that the
      // read itself came after the write, the read holds the file, which is right too; what
      // must never happen is a read that says empty while the file is there.
      if (write) expect(settled === null || settled.entries >= 1).toBe(true);
      else expect(settled).toMatchObject({ entries: 0 });
      await expect.poll(async () => (await helpersOf(ws.volume)).length, { timeout: 5000 }).toBe(0);
    }
  });

  it('reads a volume that was not empty after the stop', async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'keep me\n' } });
    await settle();
    const result = await recover(world.deps(), ws.container, cli);
    expect(snapshotStep(result)).toMatchObject({ status: 'ok' });
    expect(await storedSnapshot(result.runId)).toContain('configs/notes.txt');
    expect(await helpersOf(ws.volume)).toEqual([]);
  });

  it('falls back to the read after the stop when the engine cannot make the helper (the image tag is gone)', async () => {
    await world.docker.getImage(world.image).tag({ repo: 'workspace-medic/read-ahead-gone', tag: '1' });
    const ws = await world.broken({ image: 'workspace-medic/read-ahead-gone:1' });
    await world.docker.getImage('workspace-medic/read-ahead-gone:1').remove(); // untags; the image stays
    await settle();
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(snapshotStep(result)).toMatchObject({ status: 'skipped', detail: `${ws.volume} is empty` });
    expect(await helpersOf(ws.volume)).toEqual([]);
  });

  it('removes a helper that a process which died mid-run left on the volume, at the next run', async () => {
    const ws = await world.broken();
    await settle();
    const runtime = world.deps().runtime;
    const state = await runtime.inspect(ws.container);
    // Begun and never settled: what a process killed during the stop leaves behind.
    runtime.readAhead?.(state!, 1024 * 1024);
    await expect.poll(async () => (await helpersOf(ws.volume)).length, { timeout: 5000 }).toBe(1);
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    await expect.poll(async () => (await helpersOf(ws.volume)).length, { timeout: 5000 }).toBe(0);
  });

  it('removes leftover helpers older than a cut-off (what `medic prune` does with ten minutes)', async () => {
    const ws = await world.broken();
    const runtime = world.deps().runtime;
    runtime.readAhead?.((await runtime.inspect(ws.container))!, 1024 * 1024);
    await expect.poll(async () => (await helpersOf(ws.volume)).length, { timeout: 5000 }).toBe(1);
    expect(await runtime.removeHelpers?.(60 * 60_000)).toEqual([]); // younger than an hour: kept
    await new Promise((r) => setTimeout(r, 1100)); // the engine's Created has a one-second grain
    const [left] = await helpersOf(ws.volume);
    const name = left?.Names[0]?.slice(1);
    expect(name).toMatch(/^medic-snapshot-/);
    expect(await runtime.removeHelpers?.(0, true)).toContain(name); // --dry-run: listed, kept
    expect(await helpersOf(ws.volume)).toHaveLength(1);
    expect(await runtime.removeHelpers?.(0)).toContain(name);
    expect(await helpersOf(ws.volume)).toEqual([]);
  });
});
