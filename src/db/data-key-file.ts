// [keep] The embedded database's own data key: with MEDIC_DATA_KEY unset and no DATABASE_URL,
// snapshots and last good copies are still sealed, under a key made once beside the data
// (`medic-data.key`, 0600, in the 0700 data directory) and shared by every medic process on it.
// It guards a copy of the database taken without its directory (a backup, a dump); whoever
// can read the directory can read the key, which is what MEDIC_DATA_KEY kept elsewhere is for.
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DataKeys, dataKeysFrom, InsecureDataDirError, newDataKey } from '../core/index.js';

export const DATA_KEY_FILE = 'medic-data.key';

export async function embeddedDataKeys(dataDir: string): Promise<DataKeys> {
  const file = path.join(dataDir, DATA_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // 'wx': of two processes starting at once, one writes it and the other reads that one.
  await writeFile(file, `${newDataKey()}\n`, { flag: 'wx', mode: 0o600 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  const mode = (await lstat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InsecureDataDirError(
      `${file} is open to group or others (mode ${mode.toString(8).padStart(4, '0')}); it is the key of the snapshots kept beside it`,
      { hint: `chmod 600 ${file}` },
    );
  }
  return dataKeysFrom((await readFile(file, 'utf8')).trim());
}
