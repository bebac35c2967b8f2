// The CLI on a real terminal (a pseudo-terminal from util-linux `script`) and in a pipe: colour
// and the sweep's status line only on a terminal, nobody's colour after NO_COLOR or --no-color,
// log lines for a person on a terminal and JSON in a pipe.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const ESC = '\x1b';
const MARKERS = /[\uE000-\uE005]/;
let world: TestWorld;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  DATABASE_URL: world.url,
  CONFIGS_DIR: TEMPLATES,
  ...extra,
});

/** Runs medic with stdout and stderr on one pseudo-terminal; returns what the terminal received. */
async function onTerminal(args: string[], extra: Record<string, string> = {}): Promise<string> {
  const command = ['node', BIN, ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { env: env(extra) });
  return stdout;
}

async function inPipe(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('node', [BIN, ...args], { env: env(extra) });
}

describe('medic on a terminal', () => {
  it('colours the result on a terminal, and not after NO_COLOR or --no-color', async () => {
    const a = await world.broken();
    const coloured = await onTerminal(['recover', a.container]);
    expect(coloured).toContain(`${ESC}[32m`);
    expect(coloured).toContain('recovered');
    expect(coloured).not.toMatch(MARKERS);

    const b = await world.broken();
    const noColor = await onTerminal(['recover', b.container], { NO_COLOR: '1' });
    expect(noColor).toContain('recovered');
    expect(noColor).not.toContain(`${ESC}[`);

    const c = await world.broken();
    const flag = await onTerminal(['recover', c.container, '--no-color']);
    expect(flag).toContain('recovered');
    expect(flag).not.toContain(`${ESC}[`);
  });

  it('writes plain lines to a pipe: no colour, no markers, no status line', async () => {
    const ws = await world.broken();
    const { stdout, stderr } = await inPipe(['sweep', '--max', '50']);
    expect(stdout).toContain(ws.container);
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain(ESC);
      expect(text).not.toContain('\r');
      expect(text).not.toMatch(MARKERS);
    }
  });

  it('stops quietly when the reader of its output goes away (`| head`)', async () => {
    const script = `yes '/recover ws-92f6d88b-6a9' | head -n 200000 | node '${BIN}' parse --max-targets 1 | head -n 1; echo "medic exit \${PIPESTATUS[2]}" >&2`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['--norc', '-c', script], { env: env() });
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('medic exit 0');
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });

  it('[voice] shows a live line during a step longer than a second: a slow stop says so, with its grace', async () => {
    // PID 1 ignores SIGTERM: the stop waits out MEDIC_STOP_TIMEOUT_S (3 s).
    const ws = await world.broken({ cmd: ['sleep', '3600'] });
    const out = await onTerminal(['recover', ws.container], { MEDIC_STOP_TIMEOUT_S: '3' });
    expect(out).toMatch(new RegExp(`\r${ESC}\\[K {2}… stopping ${ws.container} \\(grace 3 s\\) [12] s`));
    expect(out).toContain('recovered');
    const slow = await world.broken({ cmd: ['sleep', '3600'] });
    const piped = await inPipe(['recover', slow.container], { MEDIC_STOP_TIMEOUT_S: '3' });
    expect(piped.stderr).not.toContain('…');
  });

  it('shows the sweep as one status line rewritten in place on a terminal', async () => {
    const ws = await world.broken();
    const out = await onTerminal(['sweep', '--max', '50']);
    expect(out).toContain(ws.container);
    expect(out).toMatch(new RegExp(`\r${ESC}\\[Ksweep: \\d+/\\d+ rows, \\d+ recovered`));
  });

  it('says what each command is for: --help has examples and the environment it reads', async () => {
    const { stdout } = await inPipe(['recover', '--help']);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('$ medic recover');
    expect(stdout).toContain('DATABASE_URL');
    expect(stdout).not.toContain(ESC);

    const top = (await inPipe(['--help'])).stdout;
    expect(top).toContain('Examples:\n  $ medic demo');
    const listed = top.split('Commands:')[1] ?? '';
    const commands = [...listed.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands)
      expect((await inPipe([command, '--help'])).stdout, command).toContain('Examples:');
  });
});

describe('medic logs', () => {
  it('logs for a person on a terminal and as JSON in a pipe', async () => {
    const a = await world.broken();
    const human = await onTerminal(['recover', a.container, '--no-color'], { LOG_LEVEL: 'info' });
    expect(human).toMatch(/info {2}run finished .*outcome=recovered/);
    expect(human).not.toContain('"level"');

    const b = await world.broken();
    const { stderr } = await promisify(execFile)('node', [BIN, 'recover', b.container], {
      env: env({ LOG_LEVEL: 'info' }),
    });
    const record = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; outcome?: string })
      .find((r) => r.msg === 'run finished');
    expect(record?.outcome).toBe('recovered');
  });
});
