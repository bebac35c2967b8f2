// A Postgres cluster of one test file's own (initdb into a temporary directory, on its own
// port), for tests that restart or stop the server: the shared server on 5432 that the rest
// of the suite uses is never disturbed. Local trust authentication: it listens on 127.0.0.1
// only, and lives as long as the test file.

import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface OwnPostgres {
  /** A superuser's URL for the cluster's `postgres` database (testWorld makes its own database on it). */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl restart -m fast`: every session ends, and with it every advisory lock. */
  restart(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  destroy(): Promise<void>;
}

async function binDir(): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'ls /usr/lib/postgresql | sort -n | tail -n 1']);
  return `/usr/lib/postgresql/${stdout.trim()}/bin`;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const bin = await binDir();
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'medic-own-pg-'));
  const data = path.join(dir, 'data');
  // initdb refuses to run as root: as root, the cluster belongs to the `postgres` user.
  const root = process.getuid?.() === 0;
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const as = (cmd: string, args: string[]) =>
    root
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args])
      : run(path.join(bin, cmd), args);
  await as('initdb', ['-D', data, '-U', 'medic', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (action: string, ...extra: string[]) =>
    as('pg_ctl', [
      action,
      '-D',
      data,
      '-w',
      '-t',
      '30',
      '-o',
      options,
      '-l',
      path.join(dir, 'log'),
      ...extra,
    ]);
  await ctl('start');
  return {
    url: `postgres://medic:medic@127.0.0.1:${port}/postgres`,
    port,
    restart: async () => {
      await ctl('restart', '-m', 'fast');
    },
    destroy: async () => {
      await as('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
