// [storm] The breaker and the waves as the database keeps them (migrations/0013-storm.sql
// holds the decisions: one door, `medic.breaker_admit`, run as the schema's owner). This file
// only calls it and reads the state back for `medic status`, the dashboard and the metrics.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

const countsSchema = z
  .object({
    broken: z.number().optional(),
    failed: z.number().optional(),
    total: z.number().optional(),
    limit: z.number().optional(),
    workspaces: z.array(z.string()).optional(),
    wave: z.number().optional(),
    waveDone: z.number().optional(),
    waveFailed: z.number().optional(),
    failedRuns: z.array(z.string()).optional(),
  })
  .passthrough();
export type BreakerCounts = z.infer<typeof countsSchema>;

const decisionSchema = z.object({
  decision: z.enum(['go', 'wait', 'skip']),
  scope: z.string(),
  state: z.enum(['closed', 'open', 'paused']),
  why: z.string().nullish(),
  wave: z.number(),
  waveSize: z.number().optional(),
  firstSkip: z.boolean().optional(),
  counts: countsSchema,
  events: z.array(z.enum(['breaker.opened', 'breaker.closed', 'heal.paused'])),
});
export type BreakerDecision = z.infer<typeof decisionSchema>;

/**
 * Whether an automatic recovery of `workspaceId` may start now (`go`, in wave `wave`), should
 * wait for the wave in flight (`wait`), or is skipped (`skip`: the breaker is open or healing
 * is paused). `person`: a person's run or a dry run, told the state and never held back.
 */
export async function breakerAdmit(
  db: Queryable,
  workspaceId: string,
  person: boolean,
): Promise<BreakerDecision> {
  const { rows } = await db.query('SELECT medic.breaker_admit($1::uuid, $2) AS d', [workspaceId, person]);
  return decisionSchema.parse((rows[0] as { d: unknown }).d);
}

/** A finished run counted into its wave (its outcome is read from the trail; unstored: not failed). */
export async function breakerDone(
  db: Queryable,
  ticket: { readonly scope: string; readonly wave: number },
  runId: string,
  workspaceId: string,
): Promise<void> {
  await db.query('SELECT medic.breaker_done($1, $2, $3::uuid, $4::uuid)', [
    ticket.scope,
    ticket.wave,
    runId,
    workspaceId,
  ]);
}

const closedSchema = z.object({
  scope: z.string(),
  was: z.enum(['open', 'paused']),
  openedAt: z.string().nullable(),
  skipped: z.number(),
  failed: z.number(),
});
export type ClosedBreaker = z.infer<typeof closedSchema>;

/** The open breakers under their limit for `close_after` close (hysteresis); the ones closed. */
export async function breakerTick(db: Queryable): Promise<ClosedBreaker[]> {
  const { rows } = await db.query('SELECT medic.breaker_tick() AS closed');
  return z.array(closedSchema).parse((rows[0] as { closed: unknown }).closed ?? []);
}

/** An operator closes a scope's breaker (every open or paused one without `scope`): recorded with who and why. */
export async function closeBreakers(
  db: Queryable,
  scope: string | null,
  by: string,
  reason: string,
): Promise<ClosedBreaker[]> {
  const { rows } = await db.query(
    `SELECT medic.breaker_shut(b.scope, $2, $3) AS closed FROM medic.breakers b
      WHERE b.state <> 'closed' AND ($1::text IS NULL OR b.scope = $1) ORDER BY b.scope`,
    [scope, by, reason],
  );
  return rows
    .map((r) => (r as { closed: unknown }).closed)
    .filter((c) => c != null)
    .map((c) => closedSchema.parse(c));
}

const breakerRow = z.object({
  scope: z.string(),
  state: z.enum(['closed', 'open', 'paused']),
  opened_at: z.coerce.date().nullable(),
  opened_counts: countsSchema.nullable(),
  under_since: z.coerce.date().nullable(),
  closed_at: z.coerce.date().nullable(),
  closed_by: z.string().nullable(),
  close_reason: z.string().nullable(),
  wave: z.number(),
  wave_size: z.number(),
  wave_admitted: z.number(),
  wave_done: z.number(),
  wave_failed: z.number(),
  skipped: z.coerce.number(),
  skips: z.array(z.object({ workspace_id: z.string(), why: z.string(), times: z.number() })),
});

export interface Breaker {
  readonly scope: string;
  readonly state: 'closed' | 'open' | 'paused';
  readonly openedAt: Date | null;
  /** What was counted as it opened (or paused): broken, total, limit, the first workspaces. */
  readonly counts: BreakerCounts | null;
  /** Under its limit since (it closes by itself `close_after` later). */
  readonly underSince: Date | null;
  readonly closed: { readonly at: Date; readonly by: string; readonly reason: string } | null;
  readonly wave: {
    readonly n: number;
    readonly size: number;
    readonly started: number;
    readonly ended: number;
    readonly failed: number;
  } | null;
  /** Automatic recoveries not started since it opened. */
  readonly skipped: number;
  /** The workspaces skipped since it opened, the first few. */
  readonly skips: ReadonlyArray<{
    readonly workspaceId: string;
    readonly why: string;
    readonly times: number;
  }>;
}

/** Every scope medic has counted in, open and paused first. */
export async function listBreakers(db: Queryable, skipsShown = 20): Promise<Breaker[]> {
  const { rows } = await db.query(
    `SELECT b.scope, b.state, b.opened_at, b.opened_counts, b.under_since, b.closed_at, b.closed_by, b.close_reason,
            b.wave, b.wave_size, b.wave_admitted, b.wave_done, b.wave_failed, b.skipped,
            COALESCE((SELECT json_agg(json_build_object('workspace_id', s.workspace_id, 'why', s.why, 'times', s.times)
                                      ORDER BY s.first_at, s.workspace_id)
                        FROM (SELECT * FROM medic.breaker_skips s WHERE s.scope = b.scope AND s.opened_at = b.opened_at
                               AND b.state <> 'closed' ORDER BY s.first_at LIMIT $1) s), '[]') AS skips
       FROM medic.breakers b ORDER BY b.state = 'closed', b.scope`,
    [skipsShown],
  );
  return z
    .array(breakerRow)
    .parse(rows)
    .map((r) => ({
      scope: r.scope,
      state: r.state,
      openedAt: r.opened_at,
      counts: r.opened_counts,
      underSince: r.under_since,
      closed:
        r.closed_at && r.closed_by
          ? { at: r.closed_at, by: r.closed_by, reason: r.close_reason ?? '' }
          : null,
      wave:
        r.wave > 0
          ? {
              n: r.wave,
              size: r.wave_size,
              started: r.wave_admitted,
              ended: r.wave_done,
              failed: r.wave_failed,
            }
          : null,
      skipped: r.skipped,
      skips: r.skips.map((s) => ({ workspaceId: s.workspace_id, why: s.why, times: s.times })),
    }));
}

/** Of these workspaces, the ones said to be flapping and not yet said to be stable again. */
export async function markFlapping(db: Queryable, workspaceId: string): Promise<void> {
  await db.query(
    `INSERT INTO medic.flapping (workspace_id) VALUES ($1::uuid)
     ON CONFLICT (workspace_id) DO UPDATE SET since = now(), stable_at = NULL`,
    [workspaceId],
  );
}

/** The workspaces said to be flapping and not yet said to be stable. */
export async function stillFlapping(db: Queryable): Promise<string[]> {
  const { rows } = await db.query(
    'SELECT workspace_id::text AS id FROM medic.flapping WHERE stable_at IS NULL ORDER BY since LIMIT 1000',
  );
  return z
    .array(z.object({ id: z.string() }))
    .parse(rows)
    .map((r) => r.id);
}

/** Marks it stable (once: false when another process did first). */
export async function markStable(db: Queryable, workspaceId: string): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE medic.flapping SET stable_at = now() WHERE workspace_id = $1::uuid AND stable_at IS NULL RETURNING 1',
    [workspaceId],
  );
  return rows.length > 0;
}
