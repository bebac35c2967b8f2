// The restore plan, file by file: added when missing, kept when there, overwritten only when it
// is the broken config.yaml or when asked; listed sorted, kept files with the volume's digest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TarEntry } from '../../../src/core/model/tar-read.js';
import { planRestore, volumeFiles } from '../../../src/core/steps/restore-plan.js';

const file = (path: string, text: string) => ({ path, content: Buffer.from(text), mode: 0o644 });
const entry = (path: string, text: string | null, type: TarEntry['type'] = 'file'): TarEntry => ({
  path: `configs/${path}`,
  type,
  size: text?.length ?? 0,
  mode: 0o644,
  uid: 0,
  gid: 0,
  linkname: null,
  content: text === null ? null : Buffer.from(text),
});
const seed = [file('config.yaml', 'model: x\n'), file('skills/README.md', 'template')];
const actions = (plan: ReturnType<typeof planRestore>) => plan.files.map((f) => `${f.action} ${f.path}`);

describe('planRestore', () => {
  it('adds everything into an empty volume (source template)', () => {
    const plan = planRestore(seed, new Map(), { overwrite: false });
    expect(plan.source).toBe('template');
    expect(actions(plan)).toEqual(['added config.yaml', 'added skills/README.md']);
    expect(plan.writes.map((f) => f.path)).toEqual(['config.yaml', 'skills/README.md']);
  });

  it.each([
    ['model: [unclosed', 'unparsable'],
    ['- a list\n', 'a list, not a mapping'],
    ['', 'empty'],
  ])('overwrites a config.yaml that is %j (%s), keeps the rest', (text) => {
    const volume = volumeFiles([entry('config.yaml', text), entry('skills/README.md', 'mine')]);
    const plan = planRestore(seed, volume, { overwrite: false });
    expect(actions(plan)).toEqual(['overwritten config.yaml', 'kept skills/README.md']);
    expect(plan.source).toBe('fill');
  });

  it('overwrites a config.yaml that is a link, not a file', () => {
    const volume = volumeFiles([entry('config.yaml', null, 'symlink')]);
    expect(actions(planRestore(seed, volume, { overwrite: false }))[0]).toBe('overwritten config.yaml');
  });

  it('never overwrites a file of the volume unless asked or broken (any volume)', () => {
    const name = fc.constantFrom('config.yaml', 'skills/README.md', 'notes.txt', 'a/b.md');
    fc.assert(
      fc.property(fc.uniqueArray(name), fc.boolean(), (present, overwrite) => {
        const volume = volumeFiles(present.map((p) => entry(p, 'k: v\n')));
        const plan = planRestore(seed, volume, { overwrite });
        for (const w of plan.writes) expect(volume.has(w.path) && !overwrite).toBe(false);
        expect(new Set(plan.files.map((f) => f.path))).toEqual(
          new Set([...seed.map((f) => f.path), ...present]),
        );
      }),
    );
  });
});
