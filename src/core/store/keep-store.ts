// [keep] Last good copies of a workspace's config volume, content-addressed: a copy is a
// manifest (path, digest, size, mode per file) and each distinct content is one blob, shared
// by every copy and workspace that holds the same bytes. A blob read back is checked against
// its digest before a recovery writes it.
import { z } from 'zod';
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
  o: { readonly takenBy: string; readonly at: Date; readonly keep: number },
): Promise<{ readonly stored: boolean; readonly copy: KeptCopy | null }> {
  const { manifest, digest } = manifestOf(files);
  const latest = await latestCopy(db, workspaceId);
  if (latest?.manifestDigest === digest) return { stored: false, copy: latest };
  const blobs = files.map((f) => ({
    digest: sha256Digest(f.content),
    size: f.content.length,
    b64: f.content.toString('base64'),
  }));
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

/** A copy's files with their bytes, each checked against its digest (SNAPSHOT_INVALID if one differs). */
export async function copyFiles(db: Queryable, copy: KeptCopy): Promise<ConfigFile[]> {
  const digests = [...new Set(copy.manifest.map((m) => m.digest))];
  const { rows } = await db.query(
    'SELECT digest, content FROM medic.keep_blobs WHERE digest = ANY($1::text[])',
    [digests],
  );
  const blobs = new Map(
    z
      .array(z.object({ digest: z.string(), content: z.instanceof(Uint8Array) }))
      .parse(rows)
      .map((r) => [r.digest, Buffer.from(r.content)]),
  );
  return copy.manifest.map((m) => {
    const content = blobs.get(m.digest);
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

/** Records that the workspace was looked at now. */
export async function markLooked(db: Queryable, workspaceId: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO medic.keep_looks (workspace_id, looked_at) VALUES ($1::uuid, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET looked_at = EXCLUDED.looked_at`,
    [workspaceId, at.toISOString()],
  );
}

/**
 * The online workspaces whose row has said so for `afterMs` and that were not looked at in
 * the last `everyMs`, the longest unlooked first.
 */
export async function dueForLook(
  db: Queryable,
  o: { readonly now: Date; readonly afterMs: number; readonly everyMs: number; readonly limit: number },
): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT w.id::text AS id FROM workspaces w LEFT JOIN medic.keep_looks k ON k.workspace_id = w.id
      WHERE w.status = 'online' AND w.updated_at <= $1::timestamptz - make_interval(secs => $2)
        AND (k.looked_at IS NULL OR k.looked_at <= $1::timestamptz - make_interval(secs => $3))
      ORDER BY k.looked_at NULLS FIRST, w.id LIMIT $4`,
    [o.now.toISOString(), o.afterMs / 1000, o.everyMs / 1000, o.limit],
  );
  return z
    .array(z.object({ id: z.string() }))
    .parse(rows)
    .map((r) => r.id);
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

/** The platform's row as a look needs it: its status and since when it says so. */
const lookRow = z.object({
  status: z.string(),
  updated_at: z.coerce.date(),
  name: z.string().nullable(),
  runtime: z.string().nullable(),
});

export async function rowForLook(
  db: Queryable,
  workspaceId: string,
): Promise<z.infer<typeof lookRow> | null> {
  const { rows } = await db.query(
    'SELECT status, updated_at, name, runtime FROM workspaces WHERE id = $1::uuid',
    [workspaceId],
  );
  return z.array(lookRow).parse(rows)[0] ?? null;
}

export interface AtRisk {
  readonly workspaceId: string;
  readonly since: Date;
  readonly missing: readonly string[];
}

/** Marks the workspace at risk (what it lost); true when it was not at risk before this look. */
export async function markAtRisk(
  db: Queryable,
  workspaceId: string,
  missing: readonly string[],
  at: Date,
): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE medic.keep_looks SET at_risk_since = coalesce(at_risk_since, $2), missing = $3::jsonb
      WHERE workspace_id = $1::uuid RETURNING at_risk_since = $2::timestamptz AS fresh`,
    [workspaceId, at.toISOString(), JSON.stringify(missing)],
  );
  return (rows[0] as { fresh?: boolean } | undefined)?.fresh === true;
}

/** The workspace holds what its last copy had again: no longer at risk. */
export async function clearAtRisk(db: Queryable, workspaceId: string): Promise<void> {
  await db.query(
    'UPDATE medic.keep_looks SET at_risk_since = NULL, missing = NULL WHERE workspace_id = $1::uuid AND at_risk_since IS NOT NULL',
    [workspaceId],
  );
}

/** The workspaces at risk now, the longest first. */
export async function listAtRisk(db: Queryable): Promise<AtRisk[]> {
  const { rows } = await db.query(
    `SELECT workspace_id::text AS id, at_risk_since, missing FROM medic.keep_looks
      WHERE at_risk_since IS NOT NULL ORDER BY at_risk_since LIMIT 500`,
  );
  return z
    .array(z.object({ id: z.string(), at_risk_since: z.coerce.date(), missing: z.array(z.string()) }))
    .parse(rows)
    .map((r) => ({ workspaceId: r.id, since: r.at_risk_since, missing: r.missing }));
}
