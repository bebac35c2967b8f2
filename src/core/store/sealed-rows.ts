// The rows that hold bytes sealed at rest (data-cipher.ts): snapshots (`tar`, bound to their
// run and digest) and last good copies' blobs (`content`, bound to their digest). What each is
// sealed under, a walk over them a page at a time, and one written back sealed anew, shared by
// `medic keys` and `medic audit verify`.
import { z } from 'zod';
import { blobAad, type StoredBytes, snapshotAad } from '../model/data-cipher.js';
import type { Queryable } from '../model/ports.js';

export type SealedTable = 'snapshots' | 'keep_blobs';

/** Each table's key column, bytes column and binding (its `aad`); constants, never input. */
const TABLES: Readonly<
  Record<
    SealedTable,
    { readonly id: string; readonly bytes: string; readonly aad: (id: string, digest: string) => string }
  >
> = {
  snapshots: { id: 'run_id', bytes: 'tar', aad: snapshotAad },
  keep_blobs: { id: 'digest', bytes: 'content', aad: (_id, digest) => blobAad(digest) },
};

export interface SealedRow {
  /** The row's key: a snapshot's run id, a blob's digest. */
  readonly id: string;
  readonly digest: string;
  readonly stored: StoredBytes;
  /** What its bytes are bound to. */
  readonly aad: string;
}

export interface KeyCount {
  readonly table: SealedTable;
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

const PAGE = 50;
const pageRow = z.object({
  id: z.string(),
  digest: z.string(),
  bytes: z.instanceof(Uint8Array),
  key_id: z.string().nullable(),
});

/**
 * The table's rows a page at a time, in key order: those sealed under some key
 * (`sealed: true`), or those not sealed under `notUnder` (plaintext ones included). A page's
 * rows may be written back before the next page is read.
 */
export async function* sealedPages(
  db: Queryable,
  table: SealedTable,
  which: { readonly sealed: true } | { readonly notUnder: string },
): AsyncGenerator<SealedRow[]> {
  const t = TABLES[table];
  const where = 'sealed' in which ? 'key_id IS NOT NULL' : 'key_id IS DISTINCT FROM $2';
  let after = '';
  for (;;) {
    const { rows } = await db.query(
      `SELECT ${t.id}::text AS id, digest, ${t.bytes} AS bytes, key_id FROM medic.${table}
        WHERE ${t.id}::text > $1 AND ${where} ORDER BY ${t.id}::text LIMIT ${PAGE}`,
      'sealed' in which ? [after] : [after, which.notUnder],
    );
    const page = z
      .array(pageRow)
      .parse(rows)
      .map((r) => ({
        id: r.id,
        digest: r.digest,
        stored: { keyId: r.key_id, bytes: Buffer.from(r.bytes) },
        aad: t.aad(r.id, r.digest),
      }));
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = (page.at(-1) as SealedRow).id;
  }
}

/** Writes `sealed` in place of the row's bytes, if nobody changed them since it was read; true when written. */
export async function resealRow(
  db: Queryable,
  table: SealedTable,
  row: SealedRow,
  sealed: StoredBytes,
): Promise<boolean> {
  const t = TABLES[table];
  const { rows } = await db.query(
    `UPDATE medic.${table} SET ${t.bytes} = $1, key_id = $2
      WHERE ${t.id}::text = $3 AND key_id IS NOT DISTINCT FROM $4 RETURNING 1`,
    [sealed.bytes, sealed.keyId, row.id, row.stored.keyId],
  );
  return rows.length > 0;
}
