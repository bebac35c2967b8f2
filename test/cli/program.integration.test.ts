// The `medic` CLI run as a process, as an operator or a script runs it: exit codes, --json
// objects that parse against the result schema, stdout/stderr separation, true --help.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Chore,
  type KeyCount,
  newDataKey,
  periodOf,
  pruneChore,
  recover,
  recoveriesAtATime,
  runDueChores,
} from '../../src/core/index.js';
import { resultSchema } from '../../src/core/model/result.js';
import { TEMPLATES, testGrant } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

async function medic(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: world.url, CONFIGS_DIR: TEMPLATES, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const results = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => resultSchema.parse(JSON.parse(l)));

describe('medic CLI', () => {
  it('recovers with --json (one object on stdout, exit 0), then finds it healthy', async () => {
    const ws = await world.broken();
    const first = await medic(['recover', ws.container, '--json', '--reason', 'cli test']);
    expect(first.code).toBe(0);
    const [r] = results(first.stdout);
    expect(r?.outcome).toBe('recovered');
    expect(r?.actor).toBeTruthy();
    expect(results((await medic(['recover', ws.container, '--json'])).stdout)[0]?.outcome).toBe('healthy');
  });

  it('prints one line per target, exit 1 when one fails', async () => {
    const good = await world.broken();
    const bad = await world.broken({ runtime: 'nosuch' });
    const out = await medic(['recover', good.container, bad.id, '--json']);
    expect(out.code).toBe(1);
    expect(results(out.stdout).map((r) => [r.outcome, r.error?.code ?? null])).toEqual([
      ['recovered', null],
      ['failed', 'TEMPLATE_NOT_FOUND'],
    ]);
    expect(await world.status(bad.id)).toBe('failed');
  });

  it('--dry-run prints planned and changes nothing', async () => {
    const ws = await world.broken();
    const out = await medic(['recover', ws.container, '--dry-run', '--json']);
    expect(out.code).toBe(0);
    expect(results(out.stdout)[0]?.outcome).toBe('planned');
    expect(await world.ls(ws.volume)).toEqual([]);
  });

  it('exits 2 on a bad target and touches nothing', async () => {
    const before = await world.db.query('SELECT count(*)::int AS n FROM medic.runs');
    const out = await medic(['recover', 'ws-xyz', '--json']);
    expect(out.code).toBe(2);
    expect(results(out.stdout)[0]?.error?.code).toBe('INVALID_TARGET');
    expect(await world.db.query('SELECT count(*)::int AS n FROM medic.runs')).toEqual(before);
  });

  it('exits 3 when another run holds the lease', async () => {
    const ws = await world.broken();
    const held = await world.holdLease(ws.id);
    const out = await medic(['recover', ws.container, '--json']);
    await held.release();
    expect(out.code).toBe(3);
    expect(results(out.stdout)[0]).toMatchObject({ outcome: 'busy', error: { code: 'LEASE_HELD' } });
    expect(results(out.stdout)[0]?.error?.message).toContain(held.runId);
  });

  it('shows steps as they happen on stderr in human mode, and the summary on stdout', async () => {
    const ws = await world.broken();
    const out = await medic(['recover', ws.container]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/✓ seed +\d+ ms/);
    expect(out.stdout).toContain(`${ws.container}: recovered (failed -> online)`);
    const history = await medic(['history', ws.container]);
    expect(history.stdout).toContain('recover recovered');
    expect(history.stdout).toContain('mark-online');
  });

  it('diagnoses without changing anything', async () => {
    const ws = await world.broken();
    const out = await medic(['diagnose', ws.container, '--json']);
    const view = JSON.parse(out.stdout);
    expect(view).toMatchObject({
      verdict: 'needs-seed',
      configPresent: false,
      next: `medic recover ${ws.container}`,
    });
    expect(await world.status(ws.id)).toBe('failed');
  });

  it('sweeps failed workspaces with empty volumes, leaving intact ones alone', async () => {
    await world.db.query("UPDATE workspaces SET status = 'offline' WHERE status = 'failed'"); // earlier tests' rows
    const broken = await world.broken();
    const intact = await world.broken({ stray: { 'config.yaml': 'fine\n' }, running: true });
    const out = await medic(['sweep', '--json', '--concurrency', '2']);
    expect(out.code).toBe(0);
    const ids = results(out.stdout).map((r) => r.workspace.id);
    expect(ids).toContain(broken.id);
    expect(ids).not.toContain(intact.id);
    expect(await world.status(intact.id)).toBe('failed');
  });

  it('sizes a sweep to the engine when --concurrency is not given (two per CPU of the engine)', async () => {
    const cpus = (await world.docker.info()).NCPU as number;
    const out = await medic(['sweep', '--dry-run']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`${recoveriesAtATime(cpus)} at a time (2 per engine CPU)`);
    expect((await medic(['sweep', '--dry-run', '--concurrency', '3'])).stderr).toContain('3 at a time)');
  });

  it('names a bad setting, and a database that is down, with exit codes 2 and 1', async () => {
    const bad = await medic(['recover', 'ws-00000000-000'], { MEDIC_LEASE_TTL_S: 'soon' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MEDIC_LEASE_TTL_S');
    const down = await medic(['recover', 'ws-00000000-000'], {
      DATABASE_URL: 'postgres://medic:hunter2@127.0.0.1:1/x',
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('DATABASE_UNAVAILABLE');
    expect(down.stderr).not.toContain('hunter2');
    expect(down.stdout).toBe('');
  });

  it('with --json, still prints one failed result per target when no run can begin', async () => {
    const down = await medic(['recover', 'ws-00000000-000', 'ws-xyz', '--json'], {
      DATABASE_URL: 'postgres://medic:hunter2@127.0.0.1:1/x',
    });
    expect(down.code).toBe(1);
    expect(down.stdout).not.toContain('hunter2');
    expect(
      results(down.stdout).map((r) => [r.workspace.container, r.outcome, r.error?.code, r.steps.length]),
    ).toEqual([
      ['ws-00000000-000', 'failed', 'DATABASE_UNAVAILABLE', 0],
      ['ws-xyz', 'failed', 'DATABASE_UNAVAILABLE', 0],
    ]);
    const bad = await medic(['rollback', '00000000-0000-4000-8000-000000000000', '--json'], {
      MEDIC_LEASE_TTL_S: 'soon',
    });
    expect(bad.code).toBe(2);
    expect(results(bad.stdout)).toMatchObject([{ command: 'rollback', error: { code: 'INVALID_CONFIG' } }]);
  });

  it('has a --help that lists every command, and exits 2 on a usage error', async () => {
    const help = await medic(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['recover', 'diagnose', 'history', 'rollback', 'sweep', 'policy', 'migrate', 'demo'])
      expect(help.stdout).toContain(cmd);
    expect((await medic(['recover'])).code).toBe(2);
    expect((await medic(['frobnicate'])).code).toBe(2);
  });

  it('applies, shows and checks the policy; history shows the refusals it caused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-policy-'));
    const good = path.join(dir, 'policy.yaml');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(
      good,
      'repos:\n  - repo: acme/team-a\n    id: 700003\n    workspaces:\n      names: ["team-a *"]\n',
    );
    await writeFile(bad, 'repos:\n  - repo: acme/x\n    workspaces: all\n    permission: read\n');

    const none = await medic(['policy', 'show']);
    expect(none.stdout).toContain('no policy applied');
    const checked = await medic(['policy', 'check', bad]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toContain('INVALID_POLICY');
    expect(checked.stderr).toContain('repos.0.permission');
    expect((await medic(['policy', 'apply', bad])).code).toBe(2);

    const applied = await medic(['policy', 'apply', good], { USER: 'ops-oncall' });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('acme/team-a: /recover and /diagnose with write or more');
    expect(applied.stdout).toContain('pinned to acme/team-a (id 700003)');
    const shown = JSON.parse((await medic(['policy', 'show', '--json'])).stdout) as {
      version: number;
      policy: unknown;
      resolution: { rules: unknown[] };
    };
    expect(shown.resolution.rules).toEqual([{ repos: [{ id: 700003, name: 'acme/team-a' }], ownerId: null }]);
    expect(shown.version).toBeGreaterThanOrEqual(1);
    expect(shown.policy).toEqual({
      repos: [
        {
          repo: 'acme/team-a',
          id: 700003,
          new_repositories: false,
          workspaces: { names: ['team-a *'] },
          permission: 'write',
          elevated: 'maintain',
        },
      ],
      clients: [],
      notify: [],
      autoheal: {
        flapping_after: 3,
        max_unhealthy: '100%',
        scope: 'fleet',
        close_after: '10m',
        canary: 2,
        max_failure_ratio: 0.5,
      },
      restore: { prefer: 'last_good', max_age: '7d', heal_at_risk: false },
      runbooks: {},
    });

    // A refusal from GitHub, recorded by the core, shows in the operator's history.
    const ws = await world.broken({ name: 'team-b one' });
    const grant = testGrant('acme/team-a', 'admin', { repo: 'acme/team-a', issue: 3, comment: 4 });
    const refused = await recover(world.deps(), ws.container, { actor: 'mallory', source: 'app', grant });
    expect(refused.error?.code).toBe('WORKSPACE_NOT_GRANTED');
    const history = await medic(['history', ws.container]);
    expect(history.stdout).toContain('recover refused WORKSPACE_NOT_GRANTED');
    expect(history.stdout).toContain('by mallory via app');
  });

  it('strips control characters from a reason before it is stored or printed', async () => {
    const ws = await world.broken();
    const reason = 'pruned\u001b[2J\u001b]0;owned\u0007 by cron\u202e';
    expect((await medic(['recover', ws.container, '--reason', reason])).code).toBe(0);
    const stored = await world.db.query('SELECT reason FROM medic.runs WHERE workspace_id = $1', [ws.id]);
    expect(stored.rows).toEqual([{ reason: 'pruned [2J ]0;owned by cron' }]);
    const history = await medic(['history', ws.container]);
    const controls = [...history.stdout].filter(
      (c) => (c < ' ' && c !== '\n' && c !== '\t') || c === '\u202e',
    );
    expect(controls).toEqual([]);
  });

  it('prints no password, whatever form the connection string takes', async () => {
    for (const env of <Record<string, string>[]>[
      { DATABASE_URL: 'postgres://app:hunter2-secret@127.0.0.1:1/platform' },
      { DATABASE_URL: 'postgres://app@127.0.0.1:1/platform?password=hunter2-secret' },
      { DATABASE_URL: 'postgres://app@127.0.0.1:1/platform', PGPASSWORD: 'hunter2-secret' },
    ]) {
      const out = await medic(['recover', 'ws-00000000-000', '--json'], env);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('DATABASE_UNAVAILABLE');
      expect(`${out.stdout}${out.stderr}`).not.toContain('hunter2');
    }
  });

  it('medic parse: reads a comment on stdin and prints each command line as JSON, exit 0 either way', async () => {
    const parse = (input: string, args: string[] = []) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = execFile(
          'node',
          [BIN, 'parse', ...args],
          { env: { PATH: process.env.PATH } },
          () => undefined,
        );
        let stdout = '';
        child.stdout?.on('data', (d) => {
          stdout += d;
        });
        child.on('exit', (code) => resolve({ code, stdout }));
        child.stdin?.end(input);
      });
    const out = await parse(
      'Volume pruned.\r\n/recover ws-92f6d88b-6a9 --reason="volume pruned"\n```\n/recover ws-aaaaaaaa-bbb\n```\n/rollback nope\n',
    );
    expect(out.code).toBe(0);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        line: 2,
        kind: 'recover',
        targets: ['ws-92f6d88b-6a9'],
        dryRun: false,
        force: false,
        reason: 'volume pruned',
      },
      {
        line: 6,
        kind: 'rollback',
        error: { code: 'INVALID_COMMAND', message: '/rollback takes exactly one run id (a uuid)' },
      },
    ]);
    expect(await parse('no command here\n')).toEqual({ code: 0, stdout: '' });
    const capped = await parse('/diagnose ws-92f6d88b-6a9 ws-aaaaaaaa-bbb', ['--max-targets', '1']);
    expect(JSON.parse(capped.stdout).error.message).toContain('at most 1 per command');
  });

  it('medic doctor: one line per check, exit 0 when all hold, 1 naming the engine when it is down', async () => {
    const ok = await medic(['doctor']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ database +Postgres, schema medic at version \d+/);
    expect(ok.stdout).toMatch(/✓ engine +Docker Engine/);
    expect(ok.stdout).toMatch(/✓ templates +9 in /);
    expect(ok.stdout).not.toContain('medic:medic@');
    // [keep] A server database without MEDIC_DATA_KEY keeps snapshots in plaintext: warned, named.
    expect(ok.stdout).toMatch(
      /! at rest +MEDIC_DATA_KEY is unset: snapshots and last good copies .* plaintext/,
    );
    const keyed = await medic(['doctor'], { MEDIC_DATA_KEY: newDataKey() });
    expect(keyed.stdout).toMatch(
      /(✓ at rest +.*encrypted under k[0-9a-f]{16}|! at rest +\d+ snapshots or kept files are still plaintext)/,
    );
    const down = await medic(['doctor'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/✗ engine +DOCKER_UNAVAILABLE/);
    expect(down.stderr).toContain('engine not ready');
  });

  it('[keep] medic keys rotate seals every plaintext snapshot under MEDIC_DATA_KEY; a bad key is named, not echoed', async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'mine\n' } });
    expect((await medic(['recover', ws.container, '--json'])).code).toBe(0);
    const before = JSON.parse((await medic(['keys', '--json'])).stdout) as {
      current: null;
      counts: KeyCount[];
    };
    expect(before.current).toBeNull();
    expect(before.counts.find((c) => c.table === 'snapshots' && c.keyId === null)?.rows).toBeGreaterThan(0);
    const key = newDataKey();
    const rotated = await medic(['keys', 'rotate'], { MEDIC_DATA_KEY: key });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^sealed \d+ rows again under k[0-9a-f]{16}$/m);
    const after = JSON.parse((await medic(['keys', '--json'], { MEDIC_DATA_KEY: key })).stdout) as {
      current: string;
      counts: KeyCount[];
    };
    expect(after.counts.every((c) => c.keyId === after.current)).toBe(true);
    const bad = await medic(['keys'], { MEDIC_DATA_KEY: 'not-a-key' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MEDIC_DATA_KEY is invalid: key 1 is not 32 bytes in base64');
    expect(bad.stderr).not.toContain('not-a-key');
    const unset = await medic(['keys', 'rotate']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('INVALID_CONFIG: MEDIC_DATA_KEY is unset');
  });

  it('medic doctor changes nothing: with the embedded default it does not create the database', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'medic-doctor-'));
    const { stdout } = await promisify(execFile)('node', [BIN, 'doctor'], {
      cwd,
      env: { PATH: process.env.PATH, CONFIGS_DIR: TEMPLATES },
    });
    expect(stdout).toMatch(/! database +embedded PGlite not created yet in .*\.medic/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('medic doctor names an embedded database open in another process as a failed check, not a stack trace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-held-'));
    const env = { PATH: process.env.PATH, CONFIGS_DIR: TEMPLATES, MEDIC_DATA_DIR: dir };
    // migrate leaves its holder open (a few seconds here) ...
    await promisify(execFile)('node', [BIN, 'migrate'], { env: { ...env, MEDIC_EMBEDDED_IDLE_S: '3' } });
    // ... and a doctor told to open the database itself (no holder) finds it taken.
    const out = await promisify(execFile)('node', [BIN, 'doctor'], {
      env: { ...env, MEDIC_EMBEDDED_IDLE_S: '0' },
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /✗ database +DATABASE_IN_USE: the embedded database in .* is open in another medic process/,
    );
    expect(out.stdout).toMatch(/✓ engine /);
    expect(out.stderr).toBe('medic: doctor: database not ready\n');
  });

  it('medic templates: every shipped template valid with its digest; a broken one is named, exit 1', async () => {
    const ok = await medic(['templates', '--json']);
    expect(ok.code).toBe(0);
    const reports = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; valid: boolean; digest: string });
    expect(reports).toHaveLength(9);
    expect(reports.every((r) => r.valid && r.digest.startsWith('sha256:'))).toBe(true);
    const root = await mkdtemp(path.join(tmpdir(), 'medic-tpls-'));
    for (const [dir, text] of [
      ['langgraph', 'runtime: claude-code\ntemplate_schema_version: 1\n'],
      ['crewai', 'template_schema_version: [\n'],
    ] as const) {
      await mkdir(path.join(root, dir));
      await writeFile(path.join(root, dir, 'config.yaml'), text);
    }
    const bad = await medic(['templates'], { CONFIGS_DIR: root });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ crewai .*TEMPLATE_INVALID: .*not valid YAML/);
    expect(bad.stdout).toMatch(/✗ langgraph .*TEMPLATE_INVALID: .*declares runtime "claude-code"/);
  });

  it('a port already taken is a message naming the flag to change, not listen EADDRINUSE', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const out = await medic(['serve', '--port', String(port)]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`INVALID_CONFIG: 127.0.0.1:${port} is already in use (--port)`);
      expect(out.stderr).not.toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('medic chores: the trail of the chores run, who ran each and what it did; --chore picks one', async () => {
    expect((await medic(['chores'])).stdout.trim()).toBe('no chore has run yet');
    const deps = world.deps();
    const failing: Chore = {
      name: 'flaky',
      everyMs: 86_400_000,
      run: async () => {
        throw new Error('the disk was full');
      },
    };
    await runDueChores({ ...deps, holder: 'app-1:11' }, [pruneChore(deps), failing]);
    const human = await medic(['chores']);
    expect(human.code).toBe(0);
    const day = periodOf(new Date(), 86_400_000);
    expect(human.stdout).toMatch(
      new RegExp(
        `^${day}  prune  done by app-1:11: removed \\d+ snapshots, \\d+ finished jobs, \\d+ leftover helpers$`,
        'm',
      ),
    );
    expect(human.stdout).toContain(`${day}  flaky  pending by app-1:11: failed: the disk was full`);
    const json = await medic(['chores', '--chore', 'prune', '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; worker: string });
    expect(rows).toEqual([
      expect.objectContaining({ name: 'prune', period: day, state: 'done', worker: 'app-1:11' }),
    ]);
    expect((await medic(['chores', '--limit', '0'])).code).toBe(2);
  });

  it('prints its version, and a completion script that knows every command', async () => {
    const pkg = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'),
    ) as { version: string };
    expect((await medic(['--version'])).stdout.trim()).toBe(pkg.version);
    const bash = await medic(['completion', 'bash']);
    expect(bash.code).toBe(0);
    for (const cmd of [
      'recover',
      'diagnose',
      'history',
      'rollback',
      'sweep',
      'watch',
      'policy',
      'prune',
      'chores',
      'templates',
      'doctor',
      'parse',
    ])
      expect(bash.stdout).toContain(cmd);
    expect(bash.stdout).toContain('complete -F _medic medic');
    expect((await medic(['completion', 'zsh'])).stdout).toContain('compdef _medic medic');
    expect((await medic(['completion', 'fish'])).code).toBe(2);
  });
});
