// [voice] Errors that say what to do, tried as a new operator would: a CONFIGS_DIR that does
// not exist is INVALID_CONFIG naming the path at the start (not ENOENT mid-run); a result error
// prints the catalogue's next step; a target that matched nothing says which database was
// searched and prints no run id (none was stored); doctor names a missing platform table, the
// notify sinks' unset variables, and counts rules, clients and sinks as what they are.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTestPolicy, TEMPLATES } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
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

describe('errors that say what to do', () => {
  it('a CONFIGS_DIR that does not exist: INVALID_CONFIG naming the path, before anything', async () => {
    const ws = await world.broken();
    const r = await medic(['recover', ws.container], { CONFIGS_DIR: '/nonexistent/templates' });
    expect(r.code).toBe(2);
    // (the test database's password is "medic", so the output masks that word)
    expect(r.stderr).toMatch(/: INVALID_CONFIG: CONFIGS_DIR \/nonexistent\/templates does not exist/);
    expect(r.stderr).toContain('hint: set CONFIGS_DIR to the directory of runtime templates');
    expect(await world.status(ws.id)).toBe('failed');
    const doctor = await medic(['doctor'], { CONFIGS_DIR: '/nonexistent/templates' });
    expect(doctor.stdout).toMatch(
      /✗ templates +INVALID_CONFIG: CONFIGS_DIR \/nonexistent\/templates does not exist/,
    );
  });

  it('a result error prints its next step; a target found nowhere names the database and no run id', async () => {
    const missing = await world.broken({ runtime: 'nosuch' });
    const r = await medic(['recover', missing.container]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error TEMPLATE_NOT_FOUND');
    expect(r.stdout).toMatch(/\n {2}next: .+/);
    const none = await medic(['recover', 'ws-00000000-000']);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('not recorded');
    expect(none.stdout).not.toMatch(/run [0-9a-f]{8}-/);
    expect(none.stdout).toMatch(
      /no workspace in the workspaces table of Postgres at postgres:\/\/.+ matches ws-00000000-000/,
    );
  });

  it('doctor: the platform table missing, sinks whose variables are unset, the policy counted as it is', async () => {
    await applyTestPolicy(
      world.db,
      [
        'repos:',
        '  - repo: acme/platform',
        '    workspaces: all',
        'clients:',
        '  - {name: provisioner, workspaces: all, may: [recover]}',
        'notify:',
        '  - slack: {url_env: SLACK_WEBHOOK_URL}',
        '    events: [recovery.failed]',
        '  - webhook: {url_env: PAGER_HOOK_URL, secret_env: PAGER_HOOK_SECRET}',
        '    events: [recovery.failed]',
      ].join('\n'),
    );
    const set = await medic(['doctor'], { SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook' });
    expect(set.stdout).toMatch(/✓ workspaces +the platform's table is there/);
    expect(set.stdout).toMatch(/✓ policy +version \d+ \(1 repository rule, 1 API client, 2 notify sinks\)/);
    expect(set.stdout).toMatch(/✓ notify 1 +\$SLACK_WEBHOOK_URL set here/);
    expect(set.stdout).toMatch(
      /! notify 2 +\$PAGER_HOOK_URL and \$PAGER_HOOK_SECRET unset here: set them in every process/,
    );
    const bare = await testWorld();
    try {
      await bare.db.query('DROP TABLE workspaces');
      const r = await medic(['doctor'], { DATABASE_URL: bare.url });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /✗ workspaces +this database has no `workspaces` table: .*point DATABASE_URL at the platform's database/,
      );
      expect(r.stdout).not.toContain('medic migrate');
    } finally {
      await bare.close();
    }
  }, 60_000);
});
