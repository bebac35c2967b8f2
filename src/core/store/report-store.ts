// `medic report` and the dashboard's report page (docs/signal.md): recoveries by source and
// outcome, time to recover (from the breakage first seen to online), regressions, the
// workspaces that broke most, restart budgets exhausted, and recoveries per day. Read-only.
import { z } from 'zod';
import { containerName } from '../model/names.js';
import type { Queryable } from '../model/ports.js';

export interface Report {
  readonly since: string;
  readonly until: string;
  readonly runs: ReadonlyArray<{ readonly source: string; readonly outcome: string; readonly n: number }>;
  readonly timeToRecover: {
    readonly n: number;
    readonly p50Ms: number | null;
    readonly p95Ms: number | null;
    readonly maxMs: number | null;
  };
  /**
   * Recoveries counted by what happened: `breakages` are runs that brought a broken workspace
   * back (recovered), kept apart from attempts that failed and commands that were refused.
   */
  readonly counts: {
    readonly breakages: number;
    readonly failed: number;
    readonly refused: number;
    readonly busy: number;
    readonly interrupted: number;
    readonly healthy: number;
    readonly planned: number;
  };
  readonly regressions: number;
  /** Failed attempts by failure class (result.class), most first. */
  readonly failuresByClass: ReadonlyArray<{ readonly class: string; readonly n: number }>;
  /** The workspaces that broke most: their breakages (recoveries), not their attempts. */
  readonly brokeMost: ReadonlyArray<{ readonly container: string; readonly id: string; readonly n: number }>;
  readonly budgetExhausted: number;
  readonly days: ReadonlyArray<{ readonly day: string; readonly recovered: number; readonly failed: number }>;
}

const n = z.coerce.number();
const msOrNull = z.coerce.number().nullable();

// The report's queries, each over the runs started in the window ($1: its length in seconds).
const WINDOW = 'started_at > now() - make_interval(secs => $1)';
const REPORT_SQL = {
  runs: `SELECT source, coalesce(outcome, state) AS outcome, count(*)::int AS n FROM medic.runs
          WHERE ${WINDOW} AND command IN ('recover', 'rollback') GROUP BY 1, 2 ORDER BY 1, 2`,
  ttr: `SELECT count(*)::int AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY (result->>'detectedToOnlineMs')::float8) AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY (result->>'detectedToOnlineMs')::float8) AS p95,
               max((result->>'detectedToOnlineMs')::float8) AS max
          FROM medic.runs WHERE ${WINDOW} AND outcome = 'recovered' AND result->>'detectedToOnlineMs' IS NOT NULL`,
  regressions:
    'SELECT count(*)::int AS n FROM medic.regressions WHERE at > now() - make_interval(secs => $1)',
  most: `SELECT workspace_id::text AS id, count(*)::int AS n FROM medic.runs
          WHERE ${WINDOW} AND command = 'recover' AND outcome = 'recovered'
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
  budget: `SELECT count(*)::int AS n FROM medic.runs WHERE ${WINDOW} AND error_code = 'RESTART_BUDGET_EXCEEDED'`,
  days: `SELECT to_char(date_trunc('day', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
               count(*) FILTER (WHERE outcome = 'recovered')::int AS recovered,
               count(*) FILTER (WHERE outcome = 'failed')::int AS failed
          FROM medic.runs WHERE ${WINDOW} AND command = 'recover' GROUP BY 1 ORDER BY 1`,
  bounds: 'SELECT now() - make_interval(secs => $1) AS since, now() AS until',
  // [storm] Failures by class (result.class; runs stored before classes were kept: unknown).
  classes: `SELECT coalesce(result->>'class', 'unknown') AS class, count(*)::int AS n FROM medic.runs
             WHERE ${WINDOW} AND command IN ('recover', 'rollback') AND outcome = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1`,
} as const;

export async function report(db: Queryable, sinceMs: number): Promise<Report> {
  const secs = sinceMs / 1000;
  const names = Object.keys(REPORT_SQL) as (keyof typeof REPORT_SQL)[];
  const r = Object.fromEntries(
    await Promise.all(names.map(async (k) => [k, (await db.query(REPORT_SQL[k], [secs])).rows] as const)),
  ) as Record<keyof typeof REPORT_SQL, unknown[]>;
  const t = z.object({ n, p50: msOrNull, p95: msOrNull, max: msOrNull }).parse(r.ttr[0]);
  const b = z.object({ since: z.coerce.date(), until: z.coerce.date() }).parse(r.bounds[0]);
  const round = (x: number | null) => (x === null ? null : Math.round(x));
  const byOutcome = z.array(z.object({ source: z.string(), outcome: z.string(), n })).parse(r.runs);
  const total = (outcome: string) =>
    byOutcome.filter((x) => x.outcome === outcome).reduce((a, x) => a + x.n, 0);
  return {
    since: b.since.toISOString(),
    until: b.until.toISOString(),
    runs: byOutcome,
    counts: {
      breakages: total('recovered'),
      failed: total('failed'),
      refused: total('refused'),
      busy: total('busy'),
      interrupted: total('interrupted'),
      healthy: total('healthy'),
      planned: total('planned'),
    },
    timeToRecover: { n: t.n, p50Ms: round(t.p50), p95Ms: round(t.p95), maxMs: round(t.max) },
    regressions: z.object({ n }).parse(r.regressions[0]).n,
    brokeMost: z
      .array(z.object({ id: z.string(), n }))
      .parse(r.most)
      .map((w) => ({ ...w, container: containerName(w.id) })),
    budgetExhausted: z.object({ n }).parse(r.budget[0]).n,
    days: z.array(z.object({ day: z.string(), recovered: n, failed: n })).parse(r.days),
    failuresByClass: z.array(z.object({ class: z.string(), n })).parse(r.classes),
  };
}

/** A workspace's regressions, newest first (its dashboard page marks them). */
export async function regressionsOf(
  db: Queryable,
  workspaceId: string,
): Promise<
  Array<{ readonly runId: string; readonly previousRunId: string; readonly gapS: number; readonly at: Date }>
> {
  const { rows } = await db.query(
    `SELECT run_id::text AS run_id, previous_run_id::text AS previous_run_id, gap_s, at FROM medic.regressions
      WHERE workspace_id = $1::uuid ORDER BY at DESC LIMIT 20`,
    [workspaceId],
  );
  return z
    .array(
      z.object({ run_id: z.string(), previous_run_id: z.string(), gap_s: z.number(), at: z.coerce.date() }),
    )
    .parse(rows)
    .map((r) => ({ runId: r.run_id, previousRunId: r.previous_run_id, gapS: r.gap_s, at: r.at }));
}
