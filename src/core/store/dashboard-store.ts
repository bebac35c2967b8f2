// What the dashboard shows, read from the audit tables and the platform's table: recent
// runs, one run whole, the overview (workspaces by status, failing now, leases held, jobs).
// Read-only.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { runRowSchema } from './audit-store.js';
import { LIVE_LEASE } from './live-lease.js';

const runSchema = runRowSchema.extend({ workspace_id: z.string().nullable() });
export type RunRow = z.infer<typeof runSchema>;

const RUN_COLUMNS = `r.run_id::text AS run_id, r.workspace_id::text AS workspace_id, r.command, r.source, r.actor,
  r.reason, r.state, r.outcome, r.error_code, r.started_at, r.finished_at`;

export async function recentRuns(db: Queryable, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS} FROM medic.runs r ORDER BY r.started_at DESC LIMIT $1`,
    [limit],
  );
  return z.array(runSchema).parse(rows);
}

const stepSchema = z.object({
  name: z.string(),
  status: z.string(),
  ms: z.number(),
  detail: z.string(),
  at: z.coerce.date(),
});
export interface RunDetail extends RunRow {
  readonly steps: z.infer<typeof stepSchema>[];
  readonly result?: unknown;
  readonly snapshot: { readonly digest: string; readonly bytes: number } | null;
}

export async function runDetail(db: Queryable, runId: string): Promise<RunDetail | null> {
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS}, r.result FROM medic.runs r WHERE r.run_id = $1::uuid`,
    [runId],
  );
  const row = rows[0];
  if (!row) return null;
  const run = runSchema.extend({ result: z.unknown() }).parse(row);
  const steps = await db.query(
    'SELECT name, status, ms, detail, at FROM medic.step_events WHERE run_id = $1::uuid ORDER BY seq',
    [runId],
  );
  const snap = await db.query('SELECT digest, bytes FROM medic.snapshots WHERE run_id = $1::uuid', [runId]);
  return {
    ...run,
    steps: z.array(stepSchema).parse(steps.rows),
    snapshot: z.array(z.object({ digest: z.string(), bytes: z.number() })).parse(snap.rows)[0] ?? null,
  };
}

export interface Overview {
  readonly byStatus: ReadonlyArray<{ readonly status: string; readonly n: number }>;
  readonly failing: ReadonlyArray<{
    readonly id: string;
    readonly name: string | null;
    readonly runtime: string | null;
  }>;
  readonly leases: number;
  readonly jobs: ReadonlyArray<{ readonly state: string; readonly n: number }>;
}

export async function overview(db: Queryable): Promise<Overview> {
  const count = z.object({ n: z.number() });
  const byStatus = await db.query(
    'SELECT status, count(*)::int AS n FROM workspaces GROUP BY status ORDER BY status',
  );
  const failing = await db.query(
    "SELECT id::text AS id, name, runtime FROM workspaces WHERE status = 'failed' ORDER BY updated_at DESC LIMIT 50",
  );
  const leases = await db.query(`SELECT count(*)::int AS n FROM medic.leases l WHERE ${LIVE_LEASE}`);
  const jobs = await db.query(
    "SELECT state, count(*)::int AS n FROM medic.jobs WHERE state IN ('pending', 'running', 'abandoned') GROUP BY state ORDER BY state",
  );
  return {
    byStatus: z.array(count.extend({ status: z.string() })).parse(byStatus.rows),
    failing: z
      .array(z.object({ id: z.string(), name: z.string().nullable(), runtime: z.string().nullable() }))
      .parse(failing.rows),
    leases: z.array(count).parse(leases.rows)[0]?.n ?? 0,
    jobs: z.array(count.extend({ state: z.string() })).parse(jobs.rows),
  };
}
