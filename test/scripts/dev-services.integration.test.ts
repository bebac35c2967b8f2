// scripts/dev-services.sh is `eval`ed by the gate (scripts/test.sh) and the benchmark, so its
// stdout must hold the export line and nothing else, whatever the tools it runs print there.
// CI once failed on exactly that: pg_ctlcluster printed "Removed stale pid file." to stdout and
// the gate ran it as a command (exit 127). Here, with the real engine and cluster running,
// shims on PATH make the script believe Postgres is down once and make its start noisy.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const shims = mkdtempSync(path.join(tmpdir(), 'medic-dev-services-'));

function shim(name: string, body: string): void {
  const file = path.join(shims, name);
  writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(file, 0o755);
}

// Down on the first call, up after: the script takes its "start the cluster" path.
shim(
  'pg_isready',
  `f=${shims}/pg_isready.calls; n=$(cat "$f" 2>/dev/null || echo 0); echo $((n + 1)) > "$f"; [ "$n" -gt 0 ]`,
);
shim('pg_ctlcluster', 'echo "Removed stale pid file."; echo "noise on stderr" >&2');

afterAll(() => rmSync(shims, { recursive: true, force: true }));

describe('scripts/dev-services.sh', () => {
  it('prints only the export line on stdout while the tools it runs are noisy', async () => {
    const { stdout, stderr } = await run('bash', ['scripts/dev-services.sh'], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${shims}:${process.env.PATH}` },
      timeout: 60_000,
    });
    expect(stdout).toBe(
      'export MEDIC_TEST_DATABASE_URL=postgres://medic:medic@127.0.0.1:5432/medic\nexport MEDIC_TEST_DOCKER_B=unix:///run/medic-b/docker.sock\n',
    );
    expect(stderr).toContain('dev-services: starting postgres');
    expect(stderr).toContain('Removed stale pid file.');
  });

  it('prints nothing on stdout with --docker-only', async () => {
    const { stdout } = await run('bash', ['scripts/dev-services.sh', '--docker-only'], {
      cwd: ROOT,
      timeout: 60_000,
    });
    expect(stdout).toBe('');
  });
});
