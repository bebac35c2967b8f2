// The archive helpers: what packFiles writes, readTarEntries reads back (paths, types, sizes,
// contents of the files asked for).
import { describe, expect, it } from 'vitest';
import { readTarEntries } from '../../../src/core/model/tar-read.js';
import { packFiles } from '../../../src/docker/tar-write.js';

describe('packFiles and readTarEntries', () => {
  it('round-trip nested files with their directories', async () => {
    const tar = await packFiles(
      [
        { path: 'config.yaml', content: Buffer.from('runtime: x\n'), mode: 0o644 },
        { path: 'skills/a/hello.md', content: Buffer.from('# hi\n'), mode: 0o600 },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    const entries = await readTarEntries(tar, { maxEntries: 100, keepContent: (p) => p === 'config.yaml' });
    const byPath = Object.fromEntries(entries.map((e) => [e.path.replace(/\/$/, ''), e]));
    expect(Object.keys(byPath).sort()).toEqual(['config.yaml', 'skills', 'skills/a', 'skills/a/hello.md']);
    expect(byPath.skills?.type).toBe('directory');
    expect(byPath['skills/a/hello.md']).toMatchObject({ type: 'file', size: 5 });
    expect(byPath['config.yaml']?.content?.toString()).toBe('runtime: x\n');
    expect(byPath['skills/a/hello.md']?.content).toBeNull();
  });

  it('stops past the byte cap with a RangeError', async () => {
    const tar = await packFiles([{ path: 'big', content: Buffer.alloc(4096), mode: 0o644 }], new Date(0));
    await expect(
      readTarEntries(tar, { maxEntries: 10, keepContent: () => true, maxBytes: 1000 }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it('is byte-for-byte reproducible for the same files and time', async () => {
    const files = [{ path: 'a/b.txt', content: Buffer.from('b'), mode: 0o644 }];
    const t = new Date('2026-01-01T00:00:00Z');
    expect((await packFiles(files, t)).equals(await packFiles(files, t))).toBe(true);
  });
});
