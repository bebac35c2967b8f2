// [keep] The looks at healthy workspaces (medic.keep_looks): when each was last looked at for a
// new copy, which are due, and which are at risk (their volume lost files their last copy had).
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

/** Records that the workspace was looked at now. */
export async function markLooked(db: Queryable, workspaceId: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO medic.keep_looks (workspace_id, looked_at) VALUES ($1::uuid, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET looked_at = EXCLUDED.looked_at`,
    [workspaceId, at.toISOString()],
  );
}

/** What the last full look at the workspace found: its fingerprint and when (null: none yet). */
export async function lastFullLook(
  db: Queryable,
  workspaceId: string,
): Promise<{ readonly fingerprint: string; readonly at: Date } | null> {
  const { rows } = await db.query(
    'SELECT fingerprint, full_at FROM medic.keep_looks WHERE workspace_id = $1::uuid AND fingerprint IS NOT NULL',
    [workspaceId],
  );
  const row = z.array(z.object({ fingerprint: z.string(), full_at: z.coerce.date() })).parse(rows)[0];
  return row ? { fingerprint: row.fingerprint, at: row.full_at } : null;
}

/** Records a full look (the volume read) and the fingerprint taken with it (null: none). */
export async function markFullLook(db: Queryable, workspaceId: string, at: Date, fingerprint: string | null) {
  await db.query('UPDATE medic.keep_looks SET fingerprint = $2, full_at = $3 WHERE workspace_id = $1::uuid', [
    workspaceId,
    fingerprint,
    at.toISOString(),
  ]);
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
