// Installable the way operators install tools: the tarball `npm pack` makes (from the work
// tree as built) installs globally into an empty prefix and runs outside the repository:
// `medic --version`, `--help`, and `medic demo` against the real engine with the embedded
// database. Dependencies come from the npm cache that `npm ci` filled (--prefer-offline).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { removeFixtures } from '../../src/demo/broken-workspace.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('the npm package', () => {
  it('installs globally from its tarball and runs medic demo outside the repository', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-pack-'));
    // The gate built lib/ already; prepack would only build it again.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tarball = path.join(dir, (await readdir(dir)).find((f) => f.endsWith('.tgz'))!);
    const prefix = path.join(dir, 'prefix');
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      {
        cwd: dir,
        maxBuffer: 1 << 24,
      },
    );
    const medic = path.join(prefix, 'bin', 'medic');
    const outside = await mkdtemp(path.join(tmpdir(), 'medic-outside-'));
    const env = { PATH: process.env.PATH };
    expect((await run(medic, ['--version'], { cwd: outside, env })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await run(medic, ['--help'], { cwd: outside, env })).stdout).toContain('recover');
    const demo = await run(medic, ['demo'], { cwd: outside, env, maxBuffer: 1 << 24 });
    expect(demo.stdout).toMatch(/recovered \(failed -> online\)/);
    expect(demo.stdout).toMatch(/healthy \(status online\)/);
    expect(demo.stdout).toContain(`embedded PGlite in ${path.join(outside, '.medic')}`);
    // The demo's workspace (container and volume), gone with the test.
    await removeFixtures(new Docker(), 'workspace-medic.demo=true');
  }, 180_000);
});
