// A snapshot is checked entry by entry before a rollback trusts it.

import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../../src/core/steps/snapshot-check.js';
import { packFiles } from '../../../src/docker/tar-write.js';

const file = (path: string, content = 'x') => ({ path, content: Buffer.from(content), mode: 0o644 });
const pack = (...files: ReturnType<typeof file>[]) => packFiles(files, new Date(0));

async function withLink(): Promise<Buffer> {
  const p = tar.pack();
  p.entry({ name: 'configs/', type: 'directory' });
  p.entry({ name: 'configs/passwd', type: 'symlink', linkname: '/etc/passwd' });
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('checkSnapshot', () => {
  it('accepts what medic exports, and says whether it holds config.yaml', async () => {
    const ok = await checkSnapshot(
      await pack(file('configs/config.yaml'), file('configs/skills/a.md')),
      1 << 20,
    );
    expect(ok).toMatchObject({ hasConfig: true, bytes: 2 });
    expect((await checkSnapshot(await pack(file('configs/notes.txt')), 1 << 20)).hasConfig).toBe(false);
  });

  it.each([
    ['a parent path', () => pack(file('configs/../../etc/cron.d/x'))],
    ['an absolute path', () => pack(file('/etc/cron.d/x'))],
    ['a path outside configs', () => pack(file('other/x'))],
    ['a symlink', withLink],
  ])('refuses %s with SNAPSHOT_INVALID', async (_what, make) => {
    await expect(checkSnapshot(await make(), 1 << 20)).rejects.toMatchObject({ code: 'SNAPSHOT_INVALID' });
  });

  it('refuses a snapshot over the cap, and garbage', async () => {
    await expect(checkSnapshot(await pack(file('configs/big', 'x'.repeat(100))), 50)).rejects.toMatchObject({
      code: 'SNAPSHOT_INVALID',
    });
    await expect(
      checkSnapshot(Buffer.from('not a tar at all, but long enough'.repeat(20)), 1 << 20),
    ).rejects.toMatchObject({
      code: 'SNAPSHOT_INVALID',
    });
  });
});
