// The embedded database holds snapshots of config volumes: a fresh MEDIC_DATA_DIR, made by the
// CLI as a newcomer runs it (umask 022), lets neither group nor others read anything, and medic
// refuses to open one that lets them in, naming the chmod that fixes it, and changes nothing.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEMPLATES } from '../helpers/core-deps.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');

async function medic(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'sh',
      ['-c', 'umask 022 && exec node "$@"', 'sh', BIN, ...args],
      // The holder's idle time shortened (from 120 s) only so that it does not outlive the test.
      {
        env: {
          PATH: process.env.PATH,
          MEDIC_DATA_DIR: dataDir,
          CONFIGS_DIR: TEMPLATES,
          MEDIC_EMBEDDED_IDLE_S: '3',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every path under `dir` (itself included) whose mode lets group or others in. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const mode = (await stat(dir)).mode & 0o777;
  if (mode & 0o077) found.push(`${dir} ${mode.toString(8)}`);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const m = (await stat(full)).mode & 0o777;
    if (m & 0o077) found.push(`${full} ${m.toString(8)}`);
  }
  return found;
}

describe('the embedded database is private', () => {
  it('makes a fresh .medic/ that group and others cannot read, and keeps it so after use', async () => {
    const data = path.join(await mkdtemp(path.join(tmpdir(), 'medic-priv-')), '.medic');
    expect((await medic(['migrate'], data)).code).toBe(0);
    expect((await medic(['history', 'ws-92f6d88b-6a9'], data)).code).toBe(2);
    expect(((await stat(data)).mode & 0o777).toString(8)).toBe('700');
    const files = await readdir(path.join(data, 'pglite'), { recursive: true });
    expect(files.length).toBeGreaterThan(100);
    expect(await openToOthers(data)).toEqual([]);
  }, 60_000);

  it.each([
    ['MEDIC_DATA_DIR itself', ''],
    ['its pglite directory', 'pglite'],
  ])(
    'refuses to open one where %s lets others in, naming the chmod, and creates nothing',
    async (_what, sub) => {
      const data = path.join(await mkdtemp(path.join(tmpdir(), 'medic-priv-')), '.medic');
      await mkdir(path.join(data, 'pglite'), { recursive: true, mode: 0o700 });
      await chmod(data, 0o700);
      await chmod(path.join(data, sub), 0o755);
      const out = await medic(['migrate'], data);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('INSECURE_DATA_DIR');
      expect(out.stderr).toContain(`chmod 700 ${path.join(data, sub)}`);
      expect(await readdir(path.join(data, 'pglite'))).toEqual([]);
    },
    60_000,
  );
});
