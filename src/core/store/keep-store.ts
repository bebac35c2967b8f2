// [keep] Last good copies of a workspace's config volume, content-addressed: a copy is a
// manifest (path, digest, size, mode per file) and each distinct content is one blob, shared
// by every copy and workspace that holds the same bytes. A blob read back is checked against
// its digest before a recovery writes it. Blobs are sealed under MEDIC_DATA_KEY when one is
// given (data-cipher.ts), each bound to its digest.
import { z } from 'zod';
import { blobAad, type DataKeys, openBytes, sealBytes } from '../model/data-cipher.js';
import { sha256Digest } from '../model/digest.js';
import { SnapshotInvalidError } from '../model/errors.js';
import type { ConfigFile, Queryable } from '../model/ports.js';

export interface ManifestEntry {
  readonly path: string;
  readonly digest: string;
  readonly size: number;
  readonly mode: number;
}

export interface KeptCopy {
  readonly id: number;
  readonly workspaceId: string;
  readonly takenAt: Date;
  readonly takenBy: string;
  readonly manifest: readonly ManifestEntry[];
  readonly manifestDigest: string;
  readonly files: number;
  readonly bytes: number;
}

const manifestSchema = z.array(
  z.object({ path: z.string(), digest: z.string(), size: z.number(), mode: z.number() }),
);
const copyRow = z.object({
  id: z.coerce.number(),
  workspace_id: z.string(),
  taken_at: z.coerce.date(),
  taken_by: z.string(),
  manifest: manifestSchema,
  manifest_digest: z.string(),
  files: z.coerce.number(),
  bytes: z.coerce.number(),
});
const COPY_COLUMNS =
  'id, workspace_id::text AS workspace_id, taken_at, taken_by, manifest, manifest_digest, files, bytes';

/** The manifest of these files (sorted by path) and its own digest. */
export function manifestOf(files: readonly ConfigFile[]): { manifest: ManifestEntry[]; digest: string } {
  const manifest = files
    .map((f) => ({ path: f.path, digest: sha256Digest(f.content), size: f.content.length, mode: f.mode }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { manifest, digest: sha256Digest(Buffer.from(JSON.stringify(manifest))) };
}

/**
 * Keeps a copy of these files unless the workspace's latest copy has the same manifest; the
 * blobs not stored yet are added, and copies past `keep` (the oldest) are let go.
 */
export async function storeCopy(
  db: Queryable,
  workspaceId: string,
  files: readonly ConfigFile[],
  o: { readonly takenBy: string; readonly at: Date; readonly keep: number; readonly keys: DataKeys | null },
): Promise<{ readonly stored: boolean; readonly copy: KeptCopy | null }> {
  const { manifest, digest } = manifestOf(files);
  const latest = await latestCopy(db, workspaceId);
  if (latest?.manifestDigest === digest) return { stored: false, copy: latest };
  const blobs = files.map((f) => {
    const blobDigest = sha256Digest(f.content);
    const stored = sealBytes(o.keys, f.content, blobAad(blobDigest));
    return {
      digest: blobDigest,
      size: f.content.length,
      b64: stored.bytes.toString('base64'),
      key_id: stored.keyId,
    };
  });
  await db.query('SELECT medic.keep_blobs_add($1::jsonb)', [JSON.stringify(blobs)]);
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  const { rows } = await db.query(
    `INSERT INTO medic.keep_copies (workspace_id, taken_at, taken_by, manifest, manifest_digest, files, bytes)
     VALUES ($1::uuid, $2, $3, $4::jsonb, $5, $6, $7) RETURNING ${COPY_COLUMNS}`,
    [workspaceId, o.at.toISOString(), o.takenBy, JSON.stringify(manifest), digest, files.length, bytes],
  );
  await db.query(
    `DELETE FROM medic.keep_copies WHERE workspace_id = $1::uuid AND id NOT IN (
       SELECT id FROM medic.keep_copies WHERE workspace_id = $1::uuid ORDER BY taken_at DESC, id DESC LIMIT $2)`,
    [workspaceId, o.keep],
  );
  return { stored: true, copy: toCopy(rows[0]) };
}

/** The workspace's newest copy (taken at or after `since`, when given), or null. */
export async function latestCopy(db: Queryable, workspaceId: string, since?: Date): Promise<KeptCopy | null> {
  const { rows } = await db.query(
    `SELECT ${COPY_COLUMNS} FROM medic.keep_copies
      WHERE workspace_id = $1::uuid AND ($2::timestamptz IS NULL OR taken_at >= $2)
      ORDER BY taken_at DESC, id DESC LIMIT 1`,
    [workspaceId, since?.toISOString() ?? null],
  );
  return rows[0] ? toCopy(rows[0]) : null;
}

/** The workspace's copies, newest first. */
export async function listCopies(db: Queryable, workspaceId: string, limit = 50): Promise<KeptCopy[]> {
  const { rows } = await db.query(
    `SELECT ${COPY_COLUMNS} FROM medic.keep_copies WHERE workspace_id = $1::uuid
      ORDER BY taken_at DESC, id DESC LIMIT $2`,
    [workspaceId, limit],
  );
  return rows.map(toCopy);
}

/**
 * A copy's files with their bytes, each opened and checked against its digest (SNAPSHOT_INVALID
 * if one differs or does not open; INVALID_CONFIG if sealed under a key not given).
 */
export async function copyFiles(db: Queryable, copy: KeptCopy, keys: DataKeys | null): Promise<ConfigFile[]> {
  const digests = [...new Set(copy.manifest.map((m) => m.digest))];
  const { rows } = await db.query(
    'SELECT digest, content, key_id FROM medic.keep_blobs WHERE digest = ANY($1::text[])',
    [digests],
  );
  const blobs = new Map(
    z
      .array(
        z.object({ digest: z.string(), content: z.instanceof(Uint8Array), key_id: z.string().nullable() }),
      )
      .parse(rows)
      .map((r) => [r.digest, { keyId: r.key_id, bytes: Buffer.from(r.content) }]),
  );
  return copy.manifest.map((m) => {
    const stored = blobs.get(m.digest);
    const content =
      stored && openBytes(keys, stored, blobAad(m.digest), `${m.path} of last good copy ${copy.id}`);
    if (!content || sha256Digest(content) !== m.digest) {
      throw new SnapshotInvalidError(
        `last good copy ${copy.id}: ${m.path} is missing or altered in medic.keep_blobs`,
        {
          hint: 'recover with --from template, or from another copy (medic keep list)',
        },
      );
    }
    return { path: m.path, content, mode: m.mode };
  });
}

/** Blobs no copy names any more (older than an hour, so never one a copy being stored is about to name). */
export async function pruneBlobs(db: Queryable): Promise<number> {
  const { rows } = await db.query(
    `DELETE FROM medic.keep_blobs b WHERE b.created_at < now() - interval '1 hour' AND NOT EXISTS (
       SELECT 1 FROM medic.keep_copies c
        WHERE c.manifest @> jsonb_build_array(jsonb_build_object('digest', b.digest)))
     RETURNING 1`,
  );
  return rows.length;
}

function toCopy(row: unknown): KeptCopy {
  const r = copyRow.parse(row);
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    takenAt: r.taken_at,
    takenBy: r.taken_by,
    manifest: r.manifest,
    manifestDigest: r.manifest_digest,
    files: r.files,
    bytes: r.bytes,
  };
}
