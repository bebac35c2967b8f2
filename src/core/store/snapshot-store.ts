// Volume snapshots taken before a seed, kept in Postgres (bytea) so that any door, on any
// host, can roll a run back. Digest is sha256 of the tar's bytes; the bytes are sealed under
// MEDIC_DATA_KEY when one is given (data-cipher.ts), bound to their run and digest.
import { z } from 'zod';
import { type DataKeys, openBytes, openToDigest, sealBytes, snapshotAad } from '../model/data-cipher.js';
import { sha256Digest } from '../model/digest.js';
import type { Queryable } from '../model/ports.js';
import { sealedPages } from './sealed-rows.js';

export interface Snapshot {
  readonly runId: string;
  readonly workspaceId: string;
  readonly digest: string;
  readonly tar: Buffer;
}

export function tarDigest(tar: Buffer): string {
  return sha256Digest(tar);
}

export async function saveSnapshot(
  db: Queryable,
  runId: string,
  workspaceId: string,
  tar: Buffer,
  keys: DataKeys | null,
): Promise<string> {
  const digest = tarDigest(tar);
  const stored = sealBytes(keys, tar, snapshotAad(runId, digest));
  await db.query(
    'INSERT INTO medic.snapshots (run_id, workspace_id, digest, bytes, tar, key_id) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)',
    [runId, workspaceId, digest, tar.length, stored.bytes, stored.keyId],
  );
  return digest;
}

const rowSchema = z.object({
  workspace_id: z.string(),
  digest: z.string(),
  tar: z.instanceof(Uint8Array),
  key_id: z.string().nullable(),
});

/** A run's snapshot, opened (SNAPSHOT_INVALID when its sealed bytes were altered or moved). */
export async function loadSnapshot(
  db: Queryable,
  runId: string,
  keys: DataKeys | null,
): Promise<Snapshot | null> {
  const { rows } = await db.query(
    'SELECT workspace_id::text AS workspace_id, digest, tar, key_id FROM medic.snapshots WHERE run_id = $1::uuid',
    [runId],
  );
  const row = z.array(rowSchema).parse(rows)[0];
  if (!row) return null;
  const stored = { keyId: row.key_id, bytes: Buffer.from(row.tar) };
  const tar = openBytes(keys, stored, snapshotAad(runId, row.digest), `the snapshot of run ${runId}`);
  return { runId, workspaceId: row.workspace_id, digest: row.digest, tar };
}

/**
 * Sealed snapshots that do not open to their digest under the keys given, and those sealed
 * under a key not given, in pages (audit verify; the plaintext ones are checked in SQL).
 */
export async function sealedSnapshotProblems(
  db: Queryable,
  keys: DataKeys | null,
): Promise<Array<{ readonly runId: string; readonly what: string }>> {
  const problems: Array<{ runId: string; what: string }> = [];
  for await (const page of sealedPages(db, 'snapshots', { sealed: true })) {
    for (const row of page) {
      try {
        openToDigest(keys, row.stored, row.aad, row.digest, 'it');
      } catch (error) {
        problems.push({ runId: row.id, what: (error as Error).message });
      }
    }
  }
  return problems;
}
