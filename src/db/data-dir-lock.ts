// One writer on the embedded database. PGlite is Postgres inside this process: two processes
// opening the same directory would each run their own Postgres on the same files, and the last
// to close would win (a second process's runs lost). So the directory holds `medic.pid` while
// a process has it open, as Postgres keeps postmaster.pid: created exclusively, naming the
// process; a second process refuses at once (DATABASE_IN_USE) naming the first. A file left by
// a process that died (no such pid) is taken over.
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseInUseError } from '../core/index.js';

const LOCK_FILE = 'medic.pid';

interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

/** Takes the directory for this process; answers the release (also run at exit). */
export async function lockDataDir(dataDir: string, command: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, command, since: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw error;
      const holder = await holderOf(file);
      if (!holder && (await justMade(file))) {
        throw new DatabaseInUseError(
          `the embedded database in ${dataDir} is being opened by another medic process`,
          {
            hint: 'wait a moment and run the command again',
          },
        );
      }
      if (holder && alive(holder.pid)) {
        throw new DatabaseInUseError(
          `the embedded database in ${dataDir} is open in another medic process (pid ${holder.pid}, \`medic ${holder.command}\`, since ${holder.since})`,
          {
            hint: `wait for it or stop it (kill ${holder.pid}); to run medic watch beside other commands, leave MEDIC_EMBEDDED_IDLE_S at its default (its holder serves both) or give both a Postgres server with DATABASE_URL`,
          },
        );
      }
      await unlink(file).catch(() => undefined); // its process is gone: the file is stale
    }
  }
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as Holder).pid === process.pid;
    } catch {
      return false;
    }
  };
  // A process that exits without closing (process.exit, an uncaught error) still lets go.
  const atExit = () => {
    if (ours()) unlinkSync(file);
  };
  process.once('exit', atExit);
  return async () => {
    process.off('exit', atExit);
    if (ours()) await unlink(file).catch(() => undefined);
  };
}

async function holderOf(file: string): Promise<Holder | null> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number'
      ? { pid: h.pid, command: String(h.command), since: String(h.since) }
      : null;
  } catch {
    return null; // half-written by a process that died while it wrote: stale
  }
}

/** A file with no holder written yet, made a moment ago: another process is opening the database. */
async function justMade(file: string): Promise<boolean> {
  const made = await stat(file).catch(() => null);
  return made !== null && Date.now() - made.mtimeMs < 5_000;
}

/** What the holder is, for the other process's message: `medic watch`, `medic demo`, the app. */
export function thisCommand(argv: readonly string[] = process.argv): string {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  return command ?? path.basename(argv[1] ?? 'medic');
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
