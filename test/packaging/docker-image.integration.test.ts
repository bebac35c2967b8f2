// Deployable as an image: the Dockerfile builds (on a Node base made from this machine's own
// Node by scripts/node-base-image.sh, since no registry is reachable; the Dockerfile's default
// stays the official image), and in the image `medic --help` is true and `medic demo`
// recovers a workspace on the engine whose socket it is given, as a non-root user.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { removeFixtures } from '../../src/demo/broken-workspace.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOCKET = '/var/run/docker.sock';
const IMAGE = 'workspace-medic:ci';
const run = promisify(execFile);

afterAll(() => removeFixtures(new Docker(), 'workspace-medic.demo=true'));

describe('the Docker image', () => {
  it('builds from the Dockerfile and recovers a workspace in the demo', async () => {
    const base = (await run('bash', [path.join(ROOT, 'scripts/node-base-image.sh')])).stdout.trim();
    await run('docker', ['build', '-q', '--build-arg', `NODE_IMAGE=${base}`, '-t', IMAGE, '.'], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });

    const help = await run('docker', ['run', '--rm', IMAGE, 'node', 'lib/medic.js', '--help']);
    expect(help.stdout).toContain('recover');
    const user = await run('docker', ['run', '--rm', IMAGE, 'node', '-e', 'console.log(process.getuid())']);
    expect(user.stdout.trim()).not.toBe('0');

    const group = String((await stat(SOCKET)).gid);
    const demo = await run(
      'docker',
      [
        'run',
        '--rm',
        '-v',
        `${SOCKET}:${SOCKET}`,
        '--group-add',
        group,
        IMAGE,
        'node',
        'lib/medic.js',
        'demo',
      ],
      { maxBuffer: 1 << 24 },
    );
    expect(demo.stdout).toMatch(/recovered \(failed -> online\)/);
    expect(demo.stdout).toMatch(/healthy \(status online\)/);
  }, 300_000);
});
