// [contain]: a restore brings back data, not privileges. A snapshot altered to carry a
// setuid-root file (and a setgid one, and a file owned by another user) is restored on the real
// engine as plain files owned by the volume's owner; a device entry is refused before anything
// is written.
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS_MOUNT, readTarEntries } from '../../src/core/index.js';
import { restoreVolume } from '../../src/docker/volume-restore.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;

beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

async function hostileSnapshot(extra: tar.Header[] = []): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'configs/', type: 'directory', mode: 0o755, uid: 0, gid: 0 });
  pack.entry({ name: 'configs/config.yaml', mode: 0o644, uid: 0, gid: 0 }, 'model: x\n');
  pack.entry({ name: 'configs/evil', mode: 0o4755, uid: 0, gid: 0 }, '#!/bin/sh\nid\n');
  pack.entry({ name: 'configs/group-evil', mode: 0o2755, uid: 4242, gid: 4242 }, 'x');
  for (const header of extra) pack.entry(header);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function entriesOf(container: string) {
  const archive = await world.docker.getContainer(container).getArchive({ path: CONFIGS_MOUNT });
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(chunk);
  return readTarEntries(Buffer.concat(chunks), { maxEntries: 100, keepContent: () => false });
}

describe('a restore brings back data, not privileges', () => {
  it('clears setuid and setgid and gives every file the volume root owner', async () => {
    const w = await world.broken();
    await world.docker
      .getContainer(w.container)
      .stop({ t: 0 })
      .catch(() => undefined);
    await restoreVolume(world.docker, w.container, await hostileSnapshot());
    const entries = await entriesOf(w.container);
    const root = entries.find((e) => e.path === 'configs/')!;
    const evil = entries.find((e) => e.path === 'configs/evil')!;
    const group = entries.find((e) => e.path === 'configs/group-evil')!;
    expect(evil.mode & 0o7777).toBe(0o755);
    expect(group.mode & 0o7777).toBe(0o755);
    for (const e of [evil, group])
      expect({ uid: e.uid, gid: e.gid }).toEqual({ uid: root.uid, gid: root.gid });
    expect(entries.map((e) => e.path)).toContain('configs/config.yaml');
  }, 60_000);

  it('refuses a snapshot that holds a device or a fifo, and writes nothing', async () => {
    const w = await world.broken();
    await world.docker
      .getContainer(w.container)
      .stop({ t: 0 })
      .catch(() => undefined);
    for (const header of [
      { name: 'configs/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'configs/pipe', type: 'fifo', mode: 0o644 },
    ] as tar.Header[]) {
      await expect(
        restoreVolume(world.docker, w.container, await hostileSnapshot([header])),
      ).rejects.toMatchObject({
        code: 'SNAPSHOT_INVALID',
      });
    }
    expect(await world.ls(w.volume)).toEqual([]);
  }, 60_000);
});
