// [keep] On the real engine: a volume that lost only config.yaml is recovered with every other
// file's bytes and mtime as they were (the template's own skills/README.md included, which the
// seed used to overwrite); a config.yaml that is a dangling link is the broken part and is
// replaced; a dry run lists what the run that follows writes.

import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../../src/core/commands/recover.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
const cli = { actor: 'itest', source: 'cli' } as const;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

interface Seen {
  readonly type: string;
  readonly mtime: number;
  readonly text: string;
}

/** What /configs holds, as the engine's archive endpoint says: each entry's type, mtime (s) and bytes. */
async function tree(container: string): Promise<Map<string, Seen>> {
  const stream = await world.docker.getContainer(container).getArchive({ path: '/configs' });
  const seen = new Map<string, Seen>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => chunks.push(c as Buffer));
    body.on('end', () => {
      const name = header.name.replace(/^configs\/?/, '').replace(/\/$/, '');
      if (name) {
        seen.set(name, {
          type: header.type ?? 'file',
          mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000),
          text: Buffer.concat(chunks).toString(),
        });
      }
      next();
    });
    body.resume();
  });
  const done = new Promise<void>((resolve, reject) =>
    extract.on('finish', () => resolve()).on('error', reject),
  );
  stream.pipe(extract);
  await done;
  return seen;
}

const user = {
  'skills/README.md': 'my own notes on my skills\n',
  'skills/deploy.md': '# deploy\nkubectl apply -k .\n',
  'notes.txt': 'remember the staging key rotation\n',
};

describe('a recovery keeps what the user wrote (real engine)', () => {
  it('fills in a volume that lost only config.yaml: every other file keeps its bytes and mtime', async () => {
    const ws = await world.broken({ stray: user });
    const before = await tree(ws.container);
    // A rewrite within the same second would keep the mtime too: let a second pass first.
    await new Promise((r) => setTimeout(r, 1100));
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.restore?.source).toBe('fill');
    const after = await tree(ws.container);
    for (const path of Object.keys(user)) expect(after.get(path)).toEqual(before.get(path));
    expect(after.get('config.yaml')?.text).toContain('runtime: claude-code');
    expect(result.restore?.files.filter((f) => f.action !== 'kept').map((f) => f.path)).toEqual([
      '.provisioned',
      'config.yaml',
    ]);
    expect(await world.status(ws.id)).toBe('online');
  });

  it('replaces a config.yaml that is a dangling link (the broken part) and keeps the rest', async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'mine\n' } });
    const pack = tar.pack();
    pack.entry({ name: 'config.yaml', type: 'symlink', linkname: '/nowhere/config.yaml' });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    await world.docker.getContainer(ws.container).putArchive(Buffer.concat(chunks), { path: '/configs' });
    expect((await tree(ws.container)).get('config.yaml')?.type).toBe('symlink');
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.restore?.files.find((f) => f.path === 'config.yaml')?.action).toBe('overwritten');
    const after = await tree(ws.container);
    expect(after.get('config.yaml')).toMatchObject({ type: 'file' });
    expect(after.get('notes.txt')?.text).toBe('mine\n');
  });

  it('a dry run lists the files it would add and keep; the run that follows does exactly that', async () => {
    const ws = await world.broken({ stray: user });
    const planned = await recover(world.deps(), ws.container, { ...cli, dryRun: true });
    expect(planned.outcome).toBe('planned');
    expect([...(await tree(ws.container)).keys()].filter((p) => !p.startsWith('skills'))).toEqual([
      'notes.txt',
    ]);
    const done = await recover(world.deps(), ws.container, cli);
    // The marker's bytes carry the run's id; everything else is the same file for file.
    const shape = (r: typeof planned) =>
      r.restore?.files.map((f) => (f.path === '.provisioned' ? { ...f, bytes: 0, digest: null } : f));
    expect(shape(done)).toEqual(shape(planned));
    expect(planned.restore?.files.map((f) => `${f.action} ${f.path}`)).toEqual([
      'added .provisioned',
      'added config.yaml',
      'kept notes.txt',
      'kept skills/README.md',
      'kept skills/deploy.md',
    ]);
  });
});
