// Volume snapshots taken before a seed, kept in Postgres (bytea) so that any door, on any
// host, can roll a run back. Digest is sha256 of the tar's bytes.
import { z } from 'zod';
import { sha256Digest } from '../model/digest.js';
import type { Queryable } from '../model/ports.js';

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
): Promise<string> {
  const digest = tarDigest(tar);
  await db.query(
    'INSERT INTO medic.snapshots (run_id, workspace_id, digest, bytes, tar) VALUES ($1::uuid, $2::uuid, $3, $4, $5)',
    [runId, workspaceId, digest, tar.length, tar],
  );
  return digest;
}

const rowSchema = z.object({
  workspace_id: z.string(),
  digest: z.string(),
  tar: z.instanceof(Uint8Array),
});

export async function loadSnapshot(db: Queryable, runId: string): Promise<Snapshot | null> {
  const { rows } = await db.query(
    'SELECT workspace_id::text AS workspace_id, digest, tar FROM medic.snapshots WHERE run_id = $1::uuid',
    [runId],
  );
  const row = z.array(rowSchema).parse(rows)[0];
  if (!row) return null;
  return { runId, workspaceId: row.workspace_id, digest: row.digest, tar: Buffer.from(row.tar) };
}
