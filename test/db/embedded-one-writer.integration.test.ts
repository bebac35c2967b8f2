// [voice] The embedded database has one writer. With `medic watch` running on the embedded
// default, `medic demo` in another terminal used to open a second Postgres on the same files,
// and whichever closed last won (the demo's workspace and runs gone). Now the directory's one
// process is its holder (MEDIC_EMBEDDED_IDLE_S), which serves both: the demo's workspace and
// runs are there after the watcher stops. With the holder off, the second process refuses at
// once (DATABASE_IN_USE, exit 3), names the first, and changes nothing. A lock left by a
// process that died is taken over.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
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

// The holder's idle time is shortened to 3 s (from 120) only so that the holders these tests
// start do not outlive them by minutes.
const HOLDER = { MEDIC_EMBEDDED_IDLE_S: '3' };
const NO_HOLDER = { MEDIC_EMBEDDED_IDLE_S: '0' };

async function medic(args: string[], dataDir: string, env: Record<string, string> = HOLDER) {
  const started = performance.now();
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], {
      env: { PATH: process.env.PATH, MEDIC_DATA_DIR: dataDir, CONFIGS_DIR: TEMPLATES, NO_COLOR: '1', ...env },
    });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: performance.now() - started };
  }
}

describe('the embedded database, one writer', () => {
  it('with medic watch running, medic demo in another process: its workspace and runs are kept', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'medic-one-writer-'));
    const watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', '0'], {
      MEDIC_DATA_DIR: dataDir,
      ...HOLDER,
    });
    procs.push(watch);
    await until('medic watch is up', 30_000, async () => watch.output().includes('watching ws-* containers'));
    const demo = await medic(['demo'], dataDir);
    // The watcher may heal the demo's workspace first (it sees the container's events): the
    // demo's own recovery is then `busy` (the demo exits 1: it did not show a recovery of its
    // own), naming the watcher's run. Either way nothing is lost.
    if (demo.code !== 0) {
      expect(demo.code, demo.stdout + demo.stderr).toBe(1);
      expect(demo.stdout).toMatch(
        /error LEASE_HELD: another run \([0-9a-f-]{36}, [^)]*\) is recovering this workspace/,
      );
    }
    const container = /container (ws-[0-9a-f]{8}-[0-9a-f]{3})/.exec(demo.stdout)?.[1];
    expect(container).toBeDefined();
    expect(await watch.stop('SIGTERM')).toBe(0);
    const history = await medic(['history', container!, '--json'], dataDir);
    expect(history.code).toBe(0);
    const lines = (out: string) => out.trim().split('\n').filter(Boolean);
    const runs = lines(history.stdout).map((l) => JSON.parse(l) as { actor: string; outcome: string });
    expect(runs.filter((r) => r.actor !== 'medic-watch').length).toBeGreaterThanOrEqual(2); // the demo's two
    expect(runs.filter((r) => r.outcome === 'recovered')).toHaveLength(1); // recovered once, by one of them
    // One Postgres on the files: the lock names the holder, not either command.
    const lock = JSON.parse(await readFile(path.join(dataDir, 'medic.pid'), 'utf8')) as { command: string };
    expect(lock.command).toBe('embedded-holder');
    expect((await stat(path.join(dataDir, 'medic.sock'))).mode & 0o777).toBe(0o600);
    // Idle, the holder closes the database and lets go of the directory.
    await until('the holder idle and gone', 20_000, async () =>
      readFile(path.join(dataDir, 'medic.pid')).then(
        () => false,
        () => true,
      ),
    );
    const again = await medic(['history', container!, '--json'], dataDir);
    expect(lines(again.stdout)).toHaveLength(runs.length);
  }, 120_000);

  it('with the holder off: refuses a second process at once while medic watch has it open, naming the watcher; free once it stops', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'medic-one-writer-'));
    const watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', '0'], {
      MEDIC_DATA_DIR: dataDir,
      ...NO_HOLDER,
    });
    procs.push(watch);
    await until('medic watch is up', 30_000, async () => watch.output().includes('watching ws-* containers'));
    const demo = await medic(['demo'], dataDir, NO_HOLDER);
    expect(demo.code).toBe(3);
    expect(demo.stderr).toContain(
      `medic: DATABASE_IN_USE: the embedded database in ${dataDir} is open in another medic process (pid ${watch.child.pid}, \`medic watch\``,
    );
    expect(demo.stderr).toContain('hint: wait for it or stop it');
    expect(demo.stdout).not.toContain('ws-'); // no workspace was made
    expect(await watch.stop('SIGTERM')).toBe(0);
    const after = await medic(['status'], dataDir, NO_HOLDER);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
  }, 90_000);

  it('takes over a lock whose process is gone', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'medic-one-writer-'));
    expect((await medic(['status'], dataDir, NO_HOLDER)).code).toBe(0);
    const dead = { pid: 2 ** 22 + 17, command: 'watch', since: '2026-01-01T00:00:00.000Z' }; // above pid_max
    await writeFile(path.join(dataDir, 'medic.pid'), JSON.stringify(dead), { mode: 0o600 });
    const status = await medic(['status'], dataDir, NO_HOLDER);
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
