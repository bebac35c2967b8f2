// The audit trail: a row per run, written when the run starts, its steps (step-trail.ts: each
// stored before the workspace is changed again, so a run that dies midway leaves its trail),
// and the whole result at the end.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { CHANGE_STEPS, type Origin, type RecoveryResult } from '../model/result.js';
import type { BudgetView, RestartBudget } from '../model/settings-values.js';
import { LIVE_LEASE } from './live-lease.js';
import { appendStepsClause, type NumberedStep, stepsParam } from './step-trail.js';

export interface RunStart {
  readonly runId: string;
  readonly workspaceId: string;
  readonly command: string;
  readonly source: string;
  readonly actor: string;
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly startedAt: Date;
  readonly origin: Origin | null;
  /** When the breakage was first seen, if the door knows (the earlier of it and the failed row's `updated_at` is kept). */
  readonly detectedAt?: string | null;
}

/** Records the run as begun; returns when its breakage was first seen (null: not known). */
export async function insertRun(db: Queryable, run: RunStart): Promise<Date | null> {
  const { rows } = await db.query(
    `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, reason, dry_run, force, state, started_at, origin, detected_at)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, 'running', $9, $10::jsonb,
             LEAST($11::timestamptz, (SELECT w.updated_at FROM workspaces w WHERE w.id = $2::uuid AND w.status = 'failed')))
     RETURNING detected_at`,
    [
      run.runId,
      run.workspaceId,
      run.command,
      run.source,
      run.actor,
      run.reason,
      run.dryRun,
      run.force,
      run.startedAt.toISOString(),
      run.origin ? JSON.stringify(run.origin) : null,
      run.detectedAt ?? null,
    ],
  );
  const at = (rows[0] as { detected_at: Date | string | null } | undefined)?.detected_at;
  return at ? new Date(at) : null;
}

/** A run that ended before its lease (refused, or not dispatched): stored whole, with its outcome. */
export async function insertUnstarted(
  db: Queryable,
  result: RecoveryResult,
  workspaceId: string | null,
  reason: string | null,
): Promise<void> {
  // Begun and ended in two statements: row-level security lets an agent add steps only to a
  // run it can already see, and the seal is taken as the run's end commits, steps and all. A
  // process that dies between the two leaves a running run, marked abandoned like any other.
  await db.query(
    `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, reason, state, started_at, origin)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, 'running', $7, $8::jsonb)`,
    [
      result.runId,
      workspaceId,
      result.command,
      result.source,
      result.actor,
      reason,
      result.startedAt,
      result.origin ? JSON.stringify(result.origin) : null,
    ],
  );
  const at = result.finishedAt;
  await finishRun(
    db,
    result,
    result.steps.map((step, i) => ({ seq: i + 1, step, at })),
  );
}

/** Stores how the run ended, with the steps its trail does not hold yet. */
export async function finishRun(
  db: Queryable,
  result: RecoveryResult,
  unrecorded: readonly NumberedStep[] = [],
): Promise<void> {
  await db.query(
    `WITH ${appendStepsClause('$1', '$6')}
     UPDATE medic.runs SET state = 'finished', outcome = $2, error_code = $3, finished_at = $4, result = $5::jsonb
      WHERE run_id = $1::uuid AND finished_at IS NULL`,
    [
      result.runId,
      result.outcome,
      result.error?.code ?? null,
      result.finishedAt,
      JSON.stringify(result),
      stepsParam(unrecorded),
    ],
  );
}

/** What the restart budget counted: the recoveries in the window, and when the oldest leaves it. */
export interface BudgetUse {
  readonly used: number;
  readonly runIds: readonly string[];
  /** When the oldest counted recovery leaves the window (null: none counted). */
  readonly frees: Date | null;
}

/**
 * Recoveries of a workspace within the window, for the restart budget: runs that changed it
 * (stopped, seeded, started it or set its row), whatever their outcome. An attempt that
 * stopped before touching anything (a template missing, a refusal, a dry run) counts nothing.
 */
export async function recentRecoveries(
  db: Queryable,
  workspaceId: string,
  windowMs: number,
): Promise<BudgetUse> {
  return (await budgetUses(db, [workspaceId], windowMs)).get(workspaceId) ?? NONE_USED;
}

const NONE_USED: BudgetUse = { used: 0, runIds: [], frees: null };

export function budgetView(use: BudgetUse | undefined, budget: RestartBudget): BudgetView {
  return {
    used: use?.used ?? 0,
    max: budget.max,
    window: budget.text.split('/')[1] ?? budget.text,
    frees: use?.frees?.toISOString() ?? null,
  };
}

/** recentRecoveries for several workspaces in one query (`medic status`, the dashboard). */
export async function budgetUses(
  db: Queryable,
  workspaceIds: readonly string[],
  windowMs: number,
): Promise<Map<string, BudgetUse>> {
  const { rows } = await db.query(
    `SELECT r.workspace_id::text AS id, r.run_id::text AS run_id, r.started_at + make_interval(secs => $2) AS frees
       FROM medic.runs r
      WHERE r.workspace_id = ANY($1::uuid[]) AND r.command = 'recover' AND NOT r.dry_run
        AND r.started_at > now() - make_interval(secs => $2)
        AND EXISTS (SELECT 1 FROM medic.step_events s
                     WHERE s.run_id = r.run_id AND s.name = ANY($3::text[]) AND s.status = 'ok')
      ORDER BY r.started_at`,
    [workspaceIds, windowMs / 1000, CHANGE_STEPS],
  );
  const uses = new Map<string, { used: number; runIds: string[]; frees: Date | null }>();
  for (const r of z
    .array(z.object({ id: z.string(), run_id: z.string(), frees: z.coerce.date() }))
    .parse(rows)) {
    const use = uses.get(r.id) ?? { used: 0, runIds: [], frees: r.frees };
    use.used++;
    use.runIds.push(r.run_id);
    uses.set(r.id, use);
  }
  return uses;
}

/**
 * Marks runs that are still 'running' but whose lease is gone or lapsed: their process died.
 * Runs younger than 30 s are left to the takeover (a run is inserted a moment before it takes
 * its lease, and must not be caught in between).
 */
export async function abandonOrphanedRuns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query(
    `UPDATE medic.runs r SET state = 'abandoned', finished_at = now()
      WHERE r.state IN ('running', 'abandoned') AND r.finished_at IS NULL AND r.started_at < now() - interval '30 seconds'
        AND NOT EXISTS (SELECT 1 FROM medic.leases l WHERE l.run_id = r.run_id AND ${LIVE_LEASE})
      RETURNING r.run_id::text AS run_id`,
  );
  return z
    .array(z.object({ run_id: z.string() }))
    .parse(rows)
    .map((r) => r.run_id);
}

/**
 * The run whose lapsed lease another run took over: its holder is gone, or stalled. It is not
 * ended here (an ended run is sealed, and takes nothing more): a stalled holder that wakes
 * stores how it stopped (LEASE_LOST, TASK_LOST), and one that never does is ended by
 * abandonOrphanedRuns.
 */
export async function markAbandoned(db: Queryable, runId: string): Promise<void> {
  await db.query("UPDATE medic.runs SET state = 'abandoned' WHERE run_id = $1::uuid AND state = 'running'", [
    runId,
  ]);
}

/** A row of medic.runs as the views read it (history, the dashboard). */
export const runRowSchema = z.object({
  run_id: z.string(),
  command: z.string(),
  source: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  state: z.string(),
  outcome: z.string().nullable(),
  error_code: z.string().nullable(),
  started_at: z.coerce.date(),
  finished_at: z.coerce.date().nullable(),
});

const historySchema = runRowSchema.extend({
  steps: z.array(z.object({ name: z.string(), status: z.string(), ms: z.number(), detail: z.string() })),
});
export type HistoryEntry = z.infer<typeof historySchema>;

export async function workspaceHistory(
  db: Queryable,
  workspaceId: string,
  limit = 50,
): Promise<HistoryEntry[]> {
  const { rows } = await db.query(
    `SELECT r.run_id::text AS run_id, r.command, r.source, r.actor, r.reason, r.state, r.outcome, r.error_code,
            r.started_at, r.finished_at,
            COALESCE((SELECT json_agg(json_build_object('name', s.name, 'status', s.status, 'ms', s.ms, 'detail', s.detail)
                       ORDER BY s.seq) FROM medic.step_events s WHERE s.run_id = r.run_id), '[]'::json) AS steps
       FROM medic.runs r WHERE r.workspace_id = $1::uuid
      ORDER BY (r.outcome IS NOT DISTINCT FROM 'refused'), r.started_at DESC LIMIT $2`,
    [workspaceId, limit],
  );
  return z.array(historySchema).parse(rows);
}
