// The staged restore's parts that need no engine: entries are renamed into the staging
// directory, and the helper container asks for nothing it does not need.
import { describe, expect, it } from 'vitest';
import { readTarEntries } from '../../src/core/index.js';
import { packFiles } from '../../src/docker/tar-write.js';
import { helperSpec, stageArchive, swapScript } from '../../src/docker/volume-restore.js';

describe('the staged restore', () => {
  it('renames every snapshot entry into the staging directory', async () => {
    const snapshot = await packFiles(
      [
        { path: 'configs/config.yaml', content: Buffer.from('a'), mode: 0o644 },
        { path: 'configs/skills/x.md', content: Buffer.from('b'), mode: 0o600 },
      ],
      new Date(0),
    );
    const staged = await readTarEntries(await stageArchive(snapshot, '.medic-restore-1'), {
      maxEntries: 10,
      keepContent: () => true,
    });
    expect(staged.map((e) => e.path)).toEqual([
      '.medic-restore-1/',
      '.medic-restore-1/config.yaml',
      '.medic-restore-1/skills/',
      '.medic-restore-1/skills/x.md',
    ]);
    expect(staged.find((e) => e.path.endsWith('x.md'))).toMatchObject({
      mode: 0o600,
      content: Buffer.from('b'),
    });
  });

  it('keeps entries whose names travel as PAX records inside the staging directory', async () => {
    const long = `configs/${'b'.repeat(150)}`;
    const snapshot = await packFiles(
      [
        { path: 'configs/notes-é.md', content: Buffer.from('é'), mode: 0o644 },
        { path: long, content: Buffer.from('long'), mode: 0o644 },
      ],
      new Date(0),
    );
    // The snapshot really carries PAX path records (as Docker writes them).
    expect(snapshot.includes(Buffer.from('path=configs/notes-'))).toBe(true);
    const staged = await readTarEntries(await stageArchive(snapshot, '.medic-restore-2'), {
      maxEntries: 10,
      keepContent: () => true,
    });
    expect(staged.map((e) => e.path)).toEqual([
      '.medic-restore-2/',
      '.medic-restore-2/notes-é.md',
      `.medic-restore-2/${'b'.repeat(150)}`,
    ]);
  });

  it('runs the helper from a pinned image id, as the volume owner, with no network or capabilities', () => {
    const spec = helperSpec({
      imageId: 'sha256:abc',
      volume: 'ws-1-configs',
      user: '1000:1000',
      script: 'true',
      container: 'ws-1',
    });
    expect(spec).toMatchObject({ Image: 'sha256:abc', User: '1000:1000', NetworkDisabled: true });
    expect(spec.HostConfig).toEqual({
      Binds: ['ws-1-configs:/configs'],
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
    });
  });

  it('moves the old content aside before the new, and has an undo for each phase', () => {
    const script = swapScript('.medic-restore-1', '.medic-previous-1');
    expect(script.indexOf('mv -- "$f" "$O"/ || undo1')).toBeLessThan(
      script.indexOf('mv -- "$f" ./ || undo2'),
    );
    expect(script).toContain('rmdir "$S" || undo2');
  });
});
