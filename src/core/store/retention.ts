// What medic keeps, and for how long (docs/recovery.md, "Retention"): snapshots (up to MEDIC_SNAPSHOT_MAX_BYTES each),
// finished jobs and finished fleet tasks (counted with the jobs) go after the retention period; runs and their steps (the audit trail) only
// when asked; the per-actor command counts after a day (the rate limit needs ten minutes).
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

export interface PruneCounts {
  readonly snapshots: number;
  readonly jobs: number;
  readonly runs: number;
}

const FINISHED_JOBS = "state IN ('done', 'failed', 'abandoned')";
const FINISHED_TASKS = "state IN ('done', 'failed', 'abandoned', 'expired')";
const FINISHED_RUNS = "state IN ('finished', 'abandoned') AND finished_at IS NOT NULL";

export async function pruneOlderThan(
  db: Queryable,
  cutoffMs: number,
  options: { readonly dryRun: boolean; readonly runs: boolean },
): Promise<PruneCounts> {
  const secs = cutoffMs / 1000;
  const old = (column: string) => `${column} < now() - make_interval(secs => $1)`;
  const count = async (sql: string) =>
    z.array(z.object({ n: z.number() })).parse((await db.query(sql, [secs])).rows)[0]?.n ?? 0;
  if (options.dryRun) {
    return {
      snapshots: await count(`SELECT count(*)::int AS n FROM medic.snapshots WHERE ${old('created_at')}`),
      jobs:
        (await count(
          `SELECT count(*)::int AS n FROM medic.jobs WHERE ${FINISHED_JOBS} AND ${old('coalesce(finished_at, created_at)')}`,
        )) +
        (await count(
          `SELECT count(*)::int AS n FROM medic.tasks WHERE ${FINISHED_TASKS} AND ${old('coalesce(finished_at, created_at)')}`,
        )),
      runs: options.runs
        ? await count(
            `SELECT count(*)::int AS n FROM medic.runs WHERE ${FINISHED_RUNS} AND ${old('started_at')}`,
          )
        : 0,
    };
  }
  const deleted = async (sql: string) => (await db.query(`${sql} RETURNING 1`, [secs])).rows.length;
  const snapshots = await deleted(`DELETE FROM medic.snapshots WHERE ${old('created_at')}`);
  const jobs =
    (await deleted(
      `DELETE FROM medic.jobs WHERE ${FINISHED_JOBS} AND ${old('coalesce(finished_at, created_at)')}`,
    )) +
    (await deleted(
      `DELETE FROM medic.tasks WHERE ${FINISHED_TASKS} AND ${old('coalesce(finished_at, created_at)')}`,
    ));
  let runs = 0;
  if (options.runs) {
    await db.query(
      `DELETE FROM medic.step_events e USING medic.runs r WHERE e.run_id = r.run_id AND r.state IN ('finished', 'abandoned') AND r.finished_at IS NOT NULL AND r.started_at < now() - make_interval(secs => $1)`,
      [secs],
    );
    // Their seals stay, marked pruned: the chain (docs/security.md) still verifies across the gap.
    const { rows } = await db.query(
      `WITH gone AS (DELETE FROM medic.runs WHERE ${FINISHED_RUNS} AND ${old('started_at')} RETURNING run_id),
            marked AS (UPDATE medic.seals s SET pruned_at = now() FROM gone WHERE s.run_id = gone.run_id)
       SELECT count(*)::int AS n FROM gone`,
      [secs],
    );
    runs = z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
  }
  await pruneRecords(db, secs);
  await db.query("DELETE FROM medic.commands WHERE at < now() - interval '1 day'");
  // An Idempotency-Key is kept 24 h; the API's call log as long as jobs.
  await db.query("DELETE FROM medic.api_requests WHERE created_at < now() - interval '2 days'");
  await db.query(`DELETE FROM medic.api_calls WHERE ${old('at')}`, [secs]);
  return { snapshots, jobs, runs };
}

/**
 * The records that grow with use, kept as long as MEDIC_RETENTION (default 30 days) once they
 * are settled: notifications delivered or given up (with their attempts), refusals, decided
 * approvals, ended holds, regressions, the action's handled comments and the chores' trail.
 * Pending notifications, pending approvals and live holds are never pruned.
 */
async function pruneRecords(db: Queryable, secs: number): Promise<void> {
  const old = (column: string) => `${column} < now() - make_interval(secs => $1)`;
  await db.query(
    `WITH gone AS (DELETE FROM medic.outbox WHERE state IN ('delivered', 'failed') AND ${old('created_at')} RETURNING id)
     DELETE FROM medic.outbox_attempts a USING gone WHERE a.outbox_id = gone.id`,
    [secs],
  );
  await db.query(`DELETE FROM medic.refusals WHERE ${old('at')}`, [secs]);
  await db.query(`DELETE FROM medic.approvals WHERE state <> 'pending' AND ${old('created_at')}`, [secs]);
  await db.query(`DELETE FROM medic.holds WHERE ended_at IS NOT NULL AND ${old('ended_at')}`, [secs]);
  await db.query(`DELETE FROM medic.regressions WHERE ${old('at')}`, [secs]);
  await db.query(`DELETE FROM medic.action_comments WHERE ${old('at')}`, [secs]);
  // The chores' trail: the periods done (or given up by a dead process) that long ago.
  await db.query(
    `DELETE FROM medic.chores WHERE state <> 'pending' AND ${old('coalesce(finished_at, started_at)')}`,
    [secs],
  );
}
