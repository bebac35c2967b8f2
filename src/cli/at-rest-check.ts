// medic doctor's "at rest" check ([keep]): are snapshots and last good copies encrypted, and
// can this process open every one of them.
import { type KeyCount, keyInventory, type MedicConfig, type Queryable } from '../core/index.js';
import type { Check } from './check.js';

/** `keyFrom`: where this process's keys come from (null: none; embedded without a key file yet). */
export async function atRestCheck(
  db: Queryable,
  config: MedicConfig,
  keyFrom: 'MEDIC_DATA_KEY' | 'medic-data.key' | null,
): Promise<Check> {
  const counts: KeyCount[] = await keyInventory(db);
  const plain = counts.filter((c) => c.keyId === null).reduce((n, c) => n + c.rows, 0);
  const held = config.dataKeys?.byId;
  const unheld = [
    ...new Set(counts.filter((c) => c.keyId !== null && !held?.has(c.keyId)).map((c) => c.keyId)),
  ];
  const name = 'at rest';
  if (config.databaseUrl && !config.dataKeys)
    return {
      ok: 'warn',
      name,
      detail: `MEDIC_DATA_KEY is unset: snapshots and last good copies (often a workspace's keys and tokens) are stored in plaintext in this database${plain > 0 ? ` (${plain} rows now)` : ''}, readable by anyone with a dump of it. Set it to 32 random bytes in base64 (openssl rand -base64 32) in every medic process, then medic keys rotate`,
    };
  if (unheld.length > 0)
    return {
      ok: 'warn',
      name,
      detail: `rows are sealed under ${unheld.join(', ')}, which MEDIC_DATA_KEY does not hold here: they cannot be restored or rolled back by this process. Give the old key after the current one (new,old) and run medic keys rotate`,
    };
  if (plain > 0)
    return {
      ok: 'warn',
      name,
      detail: `${plain} snapshots or kept files are still plaintext (kept before a key was set): medic keys rotate seals them`,
    };
  return {
    ok: true,
    name,
    detail: config.dataKeys
      ? `snapshots and last good copies are encrypted under ${config.dataKeys.currentId} (${keyFrom})`
      : 'snapshots and last good copies will be encrypted under the data directory’s medic-data.key, made by the first command that keeps one',
  };
}
