// medic keys [rotate]: what snapshots and last good copies are sealed under, and moving them
// all to the current key ([keep], data-cipher.ts). A rotation opens each row sealed under
// another key (or none), checks it against its digest, seals it again under MEDIC_DATA_KEY's
// first key, and writes it back only if nobody changed it meanwhile. A row that does not open
// to its digest is left as it is and counted: a rotation never launders altered bytes.
import { z } from 'zod';
import { blobAad, type DataKeys, openBytes, sealBytes, snapshotAad } from '../model/data-cipher.js';
import type { CoreDeps } from '../model/deps.js';
import { sha256Digest } from '../model/digest.js';
import { InvalidConfigError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';

export interface KeyCount {
  readonly table: 'snapshots' | 'keep_blobs';
  /** null: plaintext. */
  readonly keyId: string | null;
  readonly rows: number;
  readonly bytes: number;
}

/** How many snapshots and blobs are sealed under each key, and how many are plaintext. */
export async function keyInventory(db: Queryable): Promise<KeyCount[]> {
  const { rows } = await db.query(
    `SELECT 'snapshots' AS t, key_id, count(*)::int AS n, coalesce(sum(bytes), 0)::bigint AS b FROM medic.snapshots GROUP BY key_id
     UNION ALL
     SELECT 'keep_blobs', key_id, count(*)::int, coalesce(sum(size), 0)::bigint FROM medic.keep_blobs GROUP BY key_id
     ORDER BY 1, 2 NULLS FIRST`,
  );
  return z
    .array(
      z.object({
        t: z.enum(['snapshots', 'keep_blobs']),
        key_id: z.string().nullable(),
        n: z.number(),
        b: z.coerce.number(),
      }),
    )
    .parse(rows)
    .map((r) => ({ table: r.t, keyId: r.key_id, rows: r.n, bytes: r.b }));
}

export interface RotateReport {
  readonly keyId: string;
  /** Rows sealed again under the current key. */
  readonly moved: number;
  /** Rows left as they were: their bytes do not open to their digest. */
  readonly altered: number;
  /** Keys rows are sealed under that MEDIC_DATA_KEY does not hold (those rows left as they were). */
  readonly missingKeys: readonly string[];
}

interface Table {
  readonly name: 'snapshots' | 'keep_blobs';
  readonly id: string;
  readonly bytes: string;
  readonly aad: (id: string, digest: string) => string;
}
const TABLES: readonly Table[] = [
  { name: 'snapshots', id: 'run_id', bytes: 'tar', aad: snapshotAad },
  { name: 'keep_blobs', id: 'digest', bytes: 'content', aad: (_id, digest) => blobAad(digest) },
];
const PAGE = 50;
const pageRow = z.object({
  id: z.string(),
  digest: z.string(),
  bytes: z.instanceof(Uint8Array),
  key_id: z.string().nullable(),
});

/** Seals every snapshot and blob under the current key; `onProgress` after each page. */
export async function rotateKeys(
  deps: CoreDeps,
  onProgress: (done: number) => void = () => {},
): Promise<RotateReport> {
  const keys = deps.config.dataKeys;
  if (!keys)
    throw new InvalidConfigError('MEDIC_DATA_KEY is unset: there is no key to seal under', {
      hint: 'set MEDIC_DATA_KEY to 32 random bytes in base64 (openssl rand -base64 32); to change keys, give new,old',
    });
  const report = { keyId: keys.currentId, moved: 0, altered: 0, missingKeys: new Set<string>() };
  for (const table of TABLES) await rotateTable(deps.db, keys, table, report, onProgress);
  return { ...report, missingKeys: [...report.missingKeys] };
}

async function rotateTable(
  db: Queryable,
  keys: DataKeys,
  t: Table,
  report: { moved: number; altered: number; missingKeys: Set<string> },
  onProgress: (done: number) => void,
): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await db.query(
      `SELECT ${t.id}::text AS id, digest, ${t.bytes} AS bytes, key_id FROM medic.${t.name}
        WHERE key_id IS DISTINCT FROM $1 AND ${t.id}::text > $2 ORDER BY ${t.id}::text LIMIT ${PAGE}`,
      [keys.currentId, after],
    );
    const page = z.array(pageRow).parse(rows);
    for (const row of page) {
      const stored = { keyId: row.key_id, bytes: Buffer.from(row.bytes) };
      if (row.key_id !== null && !keys.byId.has(row.key_id)) {
        report.missingKeys.add(row.key_id);
        continue;
      }
      const plain = (() => {
        try {
          return openBytes(keys, stored, t.aad(row.id, row.digest), row.id);
        } catch {
          return null;
        }
      })();
      if (!plain || sha256Digest(plain) !== row.digest) {
        report.altered++;
        continue;
      }
      const sealed = sealBytes(keys, plain, t.aad(row.id, row.digest));
      const { rows: updated } = await db.query(
        `UPDATE medic.${t.name} SET ${t.bytes} = $1, key_id = $2
          WHERE ${t.id}::text = $3 AND key_id IS NOT DISTINCT FROM $4 RETURNING 1`,
        [sealed.bytes, sealed.keyId, row.id, row.key_id],
      );
      report.moved += updated.length;
    }
    onProgress(report.moved);
    if (page.length < PAGE) return;
    after = (page.at(-1) as { id: string }).id;
  }
}
