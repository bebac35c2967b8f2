// The API as an operator sets it up, all through the built CLI: a policy with a client,
// `medic token create` (the token printed once, only its hash stored), `medic serve`, the
// README's curl call recovering a broken workspace (and again: the same run), the run in
// `medic history` and `medic report` with source api, then `medic token revoke` and the same token refused.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES } from '../helpers/core-deps.js';
import { until } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;
let serve: Proc | undefined;

const env = () => ({ PATH: process.env.PATH ?? '', DATABASE_URL: world.url, CONFIGS_DIR: TEMPLATES });

async function medic(args: string[]) {
  const out = await promisify(execFile)('node', [BIN, ...args], { env: env() }).catch(
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { code: 'code' in out ? out.code : 0, stdout: out.stdout, stderr: out.stderr };
}

beforeAll(async () => {
  world = await testWorld();
});
afterAll(async () => {
  await serve?.stop();
  await world?.close();
});

describe('the HTTP API from the CLI', () => {
  it('token create, serve, a curl call that recovers, history with source api, revoke', async () => {
    const file = path.join(os.tmpdir(), `medic-api-policy-${process.pid}.yml`);
    await writeFile(
      file,
      'clients:\n  - name: provisioner\n    workspaces: all\n    may: [recover, diagnose]\n',
    );
    const applied = await medic(['policy', 'apply', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('API client provisioner: recover, diagnose on every workspace');

    const made = await medic(['token', 'create', 'provisioner']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^medic_[0-9a-f]{8}_/);
    const prefix = token.split('_').slice(0, 2).join('_');
    expect(made.stderr).toContain(`token ${prefix} made for provisioner`);
    const { rows } = await world.db.query('SELECT hash FROM medic.api_tokens');
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await medic(['token', 'list'])).stdout).toMatch(
      new RegExp(`${prefix}\\s+provisioner .* never used\\s+active`),
    );

    serve = startProcess([BIN, 'serve', '--port', '0'], env());
    await until('medic serve listens', 20_000, async () =>
      /on http:\/\/127\.0\.0\.1:\d+/.test(serve!.output()),
    );
    const port = /127\.0\.0\.1:(\d+)/.exec(serve.output())![1];
    expect(serve.output()).toContain('the dashboard at /, the HTTP API at /api/v1');
    const ws = await world.broken();
    const curl = () =>
      promisify(execFile)('curl', [
        '-s',
        '-H',
        `Authorization: Bearer ${token}`,
        '-H',
        'Idempotency-Key: k1',
        '-H',
        'Prefer: wait=30',
        '-d',
        JSON.stringify({ target: ws.container }),
        `http://127.0.0.1:${port}/api/v1/recoveries`,
      ]);
    const first = JSON.parse((await curl()).stdout);
    expect(first).toMatchObject({ outcome: 'recovered', source: 'api', actor: 'provisioner' });
    expect(await world.status(ws.id)).toBe('online');
    const again = JSON.parse((await curl()).stdout);
    expect(again.runId).toBe(first.runId);

    const history = await medic(['history', ws.container, '--json']);
    const runs = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ run_id: first.runId, source: 'api', actor: 'provisioner' });

    const report = JSON.parse((await medic(['report', '--json'])).stdout) as {
      runs: { source: string; outcome: string; n: number }[];
    };
    expect(report.runs).toContainEqual({ source: 'api', outcome: 'recovered', n: 1 });

    expect((await medic(['token', 'revoke', prefix])).stdout).toContain(`revoked ${prefix}`);
    const refused = JSON.parse((await curl()).stdout);
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect((await medic(['token', 'revoke', prefix])).code).toBe(2);
  }, 60_000);
});
