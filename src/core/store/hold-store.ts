// Holds: an operator's word that medic keeps off. A workspace hold keeps every automatic path
// and every other person off one workspace; a fleet hold (`all`) or an engine hold keeps the
// automatic paths off every workspace (of that engine) while people can still act: a
// maintenance window. A hold ends at `until` or when released, whichever comes first; ended
// holds stay in the table (the record).
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import type { Origin } from '../model/result.js';

export type HoldScope = 'workspace' | 'all' | 'engine';

export interface Hold {
  readonly id: number;
  readonly scope: HoldScope;
  readonly workspaceId: string | null;
  readonly engine: string | null;
  readonly holder: string;
  readonly source: string;
  readonly reason: string;
  readonly createdAt: Date;
  readonly until: Date;
  readonly endedAt: Date | null;
  readonly endedBy: string | null;
  readonly endNote: string | null;
}

const COLUMNS = `id::int AS id, scope, workspace_id::text AS workspace_id, engine, holder, source, reason,
  created_at, until, ended_at, ended_by, end_note`;
/** A hold in force: not ended, not run out (`t`: the table's alias with its dot). */
const live = (t = '') => `${t}ended_at IS NULL AND ${t}until > now()`;

const holdSchema = z
  .object({
    id: z.number(),
    scope: z.enum(['workspace', 'all', 'engine']),
    workspace_id: z.string().nullable(),
    engine: z.string().nullable(),
    holder: z.string(),
    source: z.string(),
    reason: z.string(),
    created_at: z.coerce.date(),
    until: z.coerce.date(),
    ended_at: z.coerce.date().nullable(),
    ended_by: z.string().nullable(),
    end_note: z.string().nullable(),
  })
  .transform(
    (r): Hold => ({
      id: r.id,
      scope: r.scope,
      workspaceId: r.workspace_id,
      engine: r.engine,
      holder: r.holder,
      source: r.source,
      reason: r.reason,
      createdAt: r.created_at,
      until: r.until,
      endedAt: r.ended_at,
      endedBy: r.ended_by,
      endNote: r.end_note,
    }),
  );
const holds = (rows: unknown[]) => z.array(holdSchema).parse(rows);

export interface NewHold {
  readonly scope: HoldScope;
  readonly workspaceId?: string;
  readonly engine?: string;
  readonly holder: string;
  readonly source: string;
  readonly reason: string;
  readonly forMs: number;
  readonly origin?: Origin | null;
}

/** Places a hold; a live hold of the same scope and subject is ended by it (replaced). */
export async function insertHold(db: Queryable, h: NewHold): Promise<Hold> {
  await db.query(
    `UPDATE medic.holds SET ended_at = now(), ended_by = $4, end_note = 'replaced by a new hold'
      WHERE ${live()} AND scope = $1 AND workspace_id IS NOT DISTINCT FROM $2::uuid AND engine IS NOT DISTINCT FROM $3`,
    [h.scope, h.workspaceId ?? null, h.engine ?? null, h.holder],
  );
  const { rows } = await db.query(
    `INSERT INTO medic.holds (scope, workspace_id, engine, holder, source, reason, origin, until)
     VALUES ($1, $2::uuid, $3, $4, $5, $6, $7::jsonb, now() + make_interval(secs => $8))
     RETURNING ${COLUMNS}`,
    [
      h.scope,
      h.workspaceId ?? null,
      h.engine ?? null,
      h.holder,
      h.source,
      h.reason,
      h.origin ? JSON.stringify(h.origin) : null,
      h.forMs / 1000,
    ],
  );
  return holds(rows)[0]!;
}

/** Ends the live holds of a subject (a workspace, the fleet, an engine); returns them. */
export async function endHolds(
  db: Queryable,
  subject: { readonly scope: HoldScope; readonly workspaceId?: string; readonly engine?: string },
  by: string,
  note: string,
): Promise<Hold[]> {
  const { rows } = await db.query(
    `UPDATE medic.holds SET ended_at = now(), ended_by = $4, end_note = $5
      WHERE ${live()} AND scope = $1 AND workspace_id IS NOT DISTINCT FROM $2::uuid AND engine IS NOT DISTINCT FROM $3
      RETURNING ${COLUMNS}`,
    [subject.scope, subject.workspaceId ?? null, subject.engine ?? null, by, note],
  );
  return holds(rows);
}

/**
 * The hold that keeps medic off this workspace now, or null. People are kept off by a hold on
 * the workspace itself; the automatic paths also by a fleet hold and by a hold on the engine
 * the workspace is placed on.
 */
export async function holdOn(
  db: Queryable,
  workspace: { readonly id: string; readonly container: string },
  o: { readonly automatic: boolean },
): Promise<Hold | null> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM medic.holds h
      WHERE ${live()} AND (h.workspace_id = $1::uuid OR ($3 AND (h.scope = 'all' OR (h.scope = 'engine'
            AND h.engine = (SELECT p.engine FROM medic.placements p WHERE p.container = $2)))))
      ORDER BY (h.scope = 'workspace') DESC, h.until DESC LIMIT 1`,
    [workspace.id, workspace.container, o.automatic],
  );
  return holds(rows)[0] ?? null;
}

/** The live holds, and (with `sinceMs`) those that ended within that time: the record. */
export async function listHolds(db: Queryable, o: { readonly endedWithinMs?: number } = {}): Promise<Hold[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM medic.holds
      WHERE ${live()} OR ($1::float8 IS NOT NULL AND coalesce(ended_at, until) > now() - make_interval(secs => $1))
      ORDER BY created_at DESC LIMIT 500`,
    [o.endedWithinMs === undefined ? null : o.endedWithinMs / 1000],
  );
  return holds(rows);
}

/** A workspace's holds, newest first (its history). */
export async function holdsOf(db: Queryable, workspaceId: string, limit = 50): Promise<Hold[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM medic.holds WHERE workspace_id = $1::uuid ORDER BY created_at DESC LIMIT $2`,
    [workspaceId, limit],
  );
  return holds(rows);
}

/** The hold in words: who, why, until when (for refusals, `holds`, the dashboard). */
export function describeHold(h: Hold): string {
  const what =
    h.scope === 'workspace'
      ? 'held'
      : h.scope === 'all'
        ? 'in a fleet-wide hold'
        : `in a hold of engine ${h.engine}`;
  return `${what} by ${h.holder} until ${h.until.toISOString()}: ${h.reason}`;
}

/** Rows marked `failed` that a live hold keeps the automatic paths off (the metrics' gauge). */
export async function countHeldFailing(db: Queryable): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM workspaces w WHERE w.status = 'failed' AND EXISTS (
       SELECT 1 FROM medic.holds h WHERE ${live('h.')}
          AND (h.workspace_id = w.id OR h.scope = 'all' OR (h.scope = 'engine' AND h.engine = (
               SELECT p.engine FROM medic.placements p WHERE p.container = 'ws-' || left(w.id::text, 12)))))`,
  );
  return z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
}
