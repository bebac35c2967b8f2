// [voice] The embedded database has one writer. With `medic watch` running on the embedded
// default, `medic demo` in another terminal used to open a second Postgres on the same files,
// and whichever closed last won (the demo's workspace and runs gone). Now the second process
// refuses at once (DATABASE_IN_USE, exit 3), names the first, and changes nothing; once the
// watcher stops, the directory is free again. A lock left by a process that died is taken over.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { thisCommand } from '../../src/db/data-dir-lock.js';
import { TEMPLATES } from '../helpers/core-deps.js';
import { until } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const procs: Proc[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
});

async function medic(args: string[], dataDir: string) {
  const started = performance.now();
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], {
      env: { PATH: process.env.PATH, MEDIC_DATA_DIR: dataDir, CONFIGS_DIR: TEMPLATES, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: performance.now() - started };
  }
}

describe('the embedded database, one writer', () => {
  it('refuses a second process at once while medic watch has it open, naming the watcher; free once it stops', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'medic-one-writer-'));
    const watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', '0'], {
      MEDIC_DATA_DIR: dataDir,
    });
    procs.push(watch);
    await until('medic watch is up', 30_000, async () => watch.output().includes('watching ws-* containers'));
    const demo = await medic(['demo'], dataDir);
    expect(demo.code).toBe(3);
    expect(demo.stderr).toContain(
      `medic: DATABASE_IN_USE: the embedded database in ${dataDir} is open in another medic process (pid ${watch.child.pid}, \`medic watch\``,
    );
    expect(demo.stderr).toContain('hint: wait for it or stop it');
    expect(demo.stdout).not.toContain('ws-'); // no workspace was made
    expect(await watch.stop('SIGTERM')).toBe(0);
    const after = await medic(['status'], dataDir);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
  }, 90_000);

  it('takes over a lock whose process is gone', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'medic-one-writer-'));
    expect((await medic(['status'], dataDir)).code).toBe(0);
    const dead = { pid: 2 ** 22 + 17, command: 'watch', since: '2026-01-01T00:00:00.000Z' }; // above pid_max
    await writeFile(path.join(dataDir, 'medic.pid'), JSON.stringify(dead), { mode: 0o600 });
    const status = await medic(['status'], dataDir);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    await expect(readFile(path.join(dataDir, 'medic.pid'))).rejects.toThrow(/ENOENT/); // released at the end
  }, 60_000);

  it('names the command that holds it', () => {
    expect(thisCommand(['node', '/x/lib/medic.js', 'watch', '--interval', '60'])).toBe('watch');
    expect(thisCommand(['node', '/x/lib/medic.js', '--no-color', 'demo'])).toBe('demo');
    expect(thisCommand(['node', '/x/lib/app/main.js'])).toBe('main.js');
  });
});
