// Template resolution refuses every way out of CONFIGS_DIR and every malformed runtime.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { digestOf, resolveTemplate, validateRuntime } from '../../../src/core/steps/template-resolver.js';
import { directoryTemplates } from '../../../src/templates/directory-templates.js';

let root: string;
let outside: string;
const MB = 1024 * 1024;

beforeEach(async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'medic-tpl-'));
  root = path.join(base, 'configs');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'claude-code-default', 'skills'), { recursive: true });
  await writeFile(
    path.join(root, 'claude-code-default', 'config.yaml'),
    'runtime: claude-code\ntemplate_schema_version: 1\n',
  );
  await writeFile(path.join(root, 'claude-code-default', 'skills', 'a.md'), '# a\n');
  await mkdir(path.join(root, 'claude-code'), { recursive: true });
  await writeFile(path.join(root, 'claude-code', 'config.yaml'), 'template_schema_version: 1\n');
  await mkdir(path.join(root, 'langgraph'));
  await writeFile(
    path.join(root, 'langgraph', 'config.yaml'),
    'runtime: langgraph\ntemplate_schema_version: 1\n',
  );
  await mkdir(outside);
  await writeFile(path.join(outside, 'config.yaml'), 'secret: stolen\n');
  await writeFile(path.join(outside, 'passwd'), 'root:x:0:0\n');
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('resolveTemplate', () => {
  it('prefers <runtime>-default and reads every file, sorted', async () => {
    const t = await resolveTemplate(directoryTemplates(root), 'claude-code', MB);
    expect(t.name).toBe('claude-code-default');
    expect(t.files.map((f) => f.path)).toEqual(['config.yaml', 'skills/a.md']);
    expect(t.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('falls back to the bare runtime name', async () => {
    expect((await resolveTemplate(directoryTemplates(root), 'langgraph', MB)).name).toBe('langgraph');
  });

  it('reports a missing template', async () => {
    expect(await codeOf(resolveTemplate(directoryTemplates(root), 'crewai', MB))).toBe('TEMPLATE_NOT_FOUND');
    expect(await codeOf(resolveTemplate(directoryTemplates(path.join(root, 'nope')), 'crewai', MB))).toBe(
      'TEMPLATE_NOT_FOUND',
    );
  });

  it('refuses a template directory that is a symlink out of CONFIGS_DIR', async () => {
    await symlink(outside, path.join(root, 'crewai'));
    expect(await codeOf(resolveTemplate(directoryTemplates(root), 'crewai', MB))).toBe('TEMPLATE_ESCAPE');
  });

  it('refuses a symlink inside a template that points outside', async () => {
    await symlink(path.join(outside, 'passwd'), path.join(root, 'langgraph', 'passwd'));
    expect(await codeOf(resolveTemplate(directoryTemplates(root), 'langgraph', MB))).toBe('TEMPLATE_ESCAPE');
  });

  it('follows a symlink that stays inside CONFIGS_DIR', async () => {
    await symlink(path.join(root, 'langgraph', 'config.yaml'), path.join(root, 'langgraph', 'alias.yaml'));
    const t = await resolveTemplate(directoryTemplates(root), 'langgraph', MB);
    expect(t.files.find((f) => f.path === 'alias.yaml')?.content.toString()).toBe(
      'runtime: langgraph\ntemplate_schema_version: 1\n',
    );
  });

  it('requires config.yaml', async () => {
    await mkdir(path.join(root, 'autogen'));
    await writeFile(path.join(root, 'autogen', 'other.yaml'), 'x');
    expect(await codeOf(resolveTemplate(directoryTemplates(root), 'autogen', MB))).toBe('TEMPLATE_INVALID');
  });

  it('caps the size of a template', async () => {
    await writeFile(path.join(root, 'langgraph', 'big.bin'), Buffer.alloc(2048));
    expect(await codeOf(resolveTemplate(directoryTemplates(root), 'langgraph', 1024))).toBe(
      'TEMPLATE_TOO_LARGE',
    );
  });

  it.each([
    '../../etc',
    'a/b',
    '/etc/passwd',
    'bad\0name',
    '.',
    '..',
    'x..y',
    '',
    'Claude',
    `${'a'.repeat(65)}`,
  ])('refuses runtime %j before touching the disk', async (bad) => {
    expect(await codeOf(resolveTemplate(directoryTemplates(root), bad, MB))).toBe('INVALID_RUNTIME');
  });

  it('accepts only names of the documented shape (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const ok = /^[a-z0-9][a-z0-9._-]{0,63}$/.test(s) && !s.includes('..');
        let accepted = true;
        try {
          validateRuntime(s);
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(ok);
      }),
    );
  });
});

describe('digestOf', () => {
  it('does not depend on the order files are listed in, and does depend on names and bytes', () => {
    const a = { path: 'a', content: Buffer.from('1'), mode: 0o644 };
    const b = { path: 'b', content: Buffer.from('2'), mode: 0o644 };
    expect(digestOf([a, b])).toBe(digestOf([b, a]));
    expect(digestOf([a, b])).not.toBe(digestOf([a, { ...b, content: Buffer.from('3') }]));
    expect(digestOf([a, b])).not.toBe(digestOf([a, { ...b, path: 'c' }]));
    // Moving bytes between a name and a content must not collide.
    expect(digestOf([{ path: 'ab', content: Buffer.from(''), mode: 0 }])).not.toBe(
      digestOf([{ path: 'a', content: Buffer.from('b'), mode: 0 }]),
    );
  });
});

describe("a template's config.yaml", () => {
  it.each([
    ['malformed YAML', 'runtime: [claude-code\n', /not valid YAML/],
    [
      'another runtime',
      'runtime: langgraph\ntemplate_schema_version: 1\n',
      /declares runtime "langgraph", but the workspace's runtime is "claude-code"/,
    ],
    ['no template_schema_version', 'runtime: claude-code\n', /template_schema_version/],
    ['a scalar, not a mapping', 'just text\n', /config\.yaml/],
  ])('refuses %s with TEMPLATE_INVALID', async (_what, text, message) => {
    await writeFile(path.join(root, 'claude-code-default', 'config.yaml'), text);
    const error = await resolveTemplate(directoryTemplates(root), 'claude-code', MB).catch(
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error).toMatchObject({ code: 'TEMPLATE_INVALID' });
    expect((error as { message: string }).message).toMatch(message);
  });

  it('accepts every template the project ships', async () => {
    const shipped = path.resolve(import.meta.dirname, '../../../templates');
    for (const runtime of [
      'claude-code',
      'langgraph',
      'crewai',
      'autogen',
      'deepagents',
      'hermes',
      'gemini-cli',
      'openclaw',
      'codex',
    ])
      expect(
        (await resolveTemplate(directoryTemplates(shipped), runtime, MB)).files.some(
          (f) => f.path === 'config.yaml',
        ),
      ).toBe(true);
  });
});
