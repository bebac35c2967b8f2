// The `Database` port over PGlite, the embedded default when DATABASE_URL is unset. PGlite
// is one in-process connection that queues statements itself, so a "session" is the database
// itself; its leases fall back to the TTL since there is no other session to outlive.
//
// The data directory holds snapshots of config volumes, so it is private, as Postgres keeps
// its own: MEDIC_DATA_DIR and its `pglite` directory are made 0700, and medic refuses to open
// one that group or others can enter (naming the chmod that fixes it). PGlite writes its files
// 0666 whatever the umask; they are unreachable behind the 0700 directory, and are set to 0600
// when the database opens and when it closes.
//
// One process at a time: the directory is locked while open (data-dir-lock.ts), so a second
// process refuses at once (DATABASE_IN_USE) instead of running a second Postgres on the same
// files. Usually that one process is the holder (embedded-holder.ts), serving every medic
// process on the directory; with MEDIC_EMBEDDED_IDLE_S=0, each medic process opens it itself.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { type Database, InsecureDataDirError, type Queryable } from '../core/index.js';
import { lockDataDir, thisCommand } from './data-dir-lock.js';

/** PGlite on `dataDir`, locked for this process, private files; and how to close it (unlocked). */
export async function openPglite(
  dataDir: string,
  command = thisCommand(),
): Promise<{ db: PGlite; close: () => Promise<void> }> {
  const dir = path.join(dataDir, 'pglite');
  await privateDir(dataDir);
  const unlock = await lockDataDir(dataDir, command);
  let db: PGlite;
  try {
    await privateDir(dir);
    const { PGlite } = await import('@electric-sql/pglite');
    db = await PGlite.create(dir);
    // medic's own session seals each run that ends (migrations/0011-contain.sql).
    await db.exec("SET medic.trail = 'on'");
    await privateFiles(dir);
  } catch (error) {
    await unlock();
    throw error;
  }
  return {
    db,
    close: async () => {
      try {
        await db.close();
        await privateFiles(dir);
      } finally {
        await unlock();
      }
    },
  };
}

/** The embedded database in this process (MEDIC_EMBEDDED_IDLE_S=0, or no holder to be had). */
export async function openPgliteDatabase(dataDir: string): Promise<Database> {
  const { db, close } = await openPglite(dataDir);
  const port: Queryable = {
    where: `the embedded database in ${dataDir}`,
    async query(sql, params) {
      const result = await db.query(sql, params ? [...params] : undefined);
      return { rows: result.rows };
    },
  };
  return { ...port, session: (fn) => fn(port), close };
}

/** Makes `dir` 0700 if it is new; refuses one that exists and lets group or others in. */
async function privateDir(dir: string): Promise<void> {
  const made = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (made !== undefined) {
    // mkdir's mode passes through the umask; say it outright.
    await chmod(dir, 0o700);
    return;
  }
  const mode = (await lstat(dir)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InsecureDataDirError(
      `${dir} is open to group or others (mode ${mode.toString(8).padStart(4, '0')}); the embedded database holds snapshots of config volumes`,
      { hint: `chmod 700 ${dir} (and chmod -R go-rwx ${dir}), or set MEDIC_DATA_DIR to a private directory` },
    );
  }
}

/** Every file under `dir` readable by its owner only (PGlite makes them 0666). */
async function privateFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(full, 0o700);
      await privateFiles(full);
    } else if (entry.isFile()) {
      await chmod(full, 0o600);
    }
  }
}
