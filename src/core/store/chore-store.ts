// The chores' rows (medic.chores): one per chore and period. Whoever claims it runs it; the
// claim is one UPDATE, so of many processes ticking at once exactly one gets it (the others'
// UPDATE finds it running). A claim older than `staleMs` is a dead worker's and may be taken.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

export interface ChoreRow {
  readonly name: string;
  readonly period: string;
  readonly state: 'pending' | 'running' | 'done';
  readonly attempts: number;
  readonly worker: string | null;
  readonly outcome: string | null;
  readonly error: string | null;
  readonly finishedAt: Date | null;
}

/** Claims the chore's row for `period` (made if new) for `worker`: its attempt, or null when not due or taken. */
export async function claimChore(
  db: Queryable,
  c: { readonly name: string; readonly period: string; readonly worker: string; readonly staleMs: number },
): Promise<number | null> {
  // Made if new; the past periods in which it had nothing to do are not worth a row each.
  await db.query(
    `WITH idle AS (DELETE FROM medic.chores
                    WHERE name = $1 AND period < $2 AND state = 'done' AND outcome IS NULL)
     INSERT INTO medic.chores (name, period) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [c.name, c.period],
  );
  const { rows } = await db.query(
    `UPDATE medic.chores SET state = 'running', attempts = attempts + 1, worker = $3, started_at = now(), error = NULL
      WHERE name = $1 AND period = $2
        AND ((state = 'pending' AND (not_before IS NULL OR not_before <= now()))
          OR (state = 'running' AND started_at < now() - make_interval(secs => $4)))
      RETURNING attempts`,
    [c.name, c.period, c.worker, c.staleMs / 1000],
  );
  return z.array(z.object({ attempts: z.number() })).parse(rows)[0]?.attempts ?? null;
}

/** The claim ended: done with what it did, or put back to be tried after `retryInMs` with the error. */
export async function endChore(
  db: Queryable,
  c: { readonly name: string; readonly period: string; readonly worker: string },
  end: { readonly outcome: string | null } | { readonly error: string; readonly retryInMs: number },
): Promise<void> {
  const done = 'outcome' in end;
  await db.query(
    `UPDATE medic.chores SET finished_at = now(),
            state = CASE WHEN $4 THEN 'done' ELSE 'pending' END,
            outcome = $5, error = $6,
            not_before = CASE WHEN $4 THEN NULL ELSE now() + make_interval(secs => $7) END
      WHERE name = $1 AND period = $2 AND worker = $3 AND state = 'running'`,
    [
      c.name,
      c.period,
      c.worker,
      done,
      done ? end.outcome : null,
      done ? null : end.error,
      done ? 0 : end.retryInMs / 1000,
    ],
  );
}

const COLUMNS = 'name, period, state, attempts, worker, outcome, error, finished_at';

/** A chore's rows (null: every chore's), newest period first: the trail. */
export async function choreTrail(db: Queryable, name: string | null, limit = 30): Promise<ChoreRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM medic.chores
      WHERE $1::text IS NULL OR name = $1 ORDER BY period DESC, name LIMIT $2`,
    [name, limit],
  );
  return choreRows(rows);
}

/**
 * Each chore's newest row (`done`: its newest done one), however many rows a chore that runs
 * every few seconds wrote since: `medic doctor` reads it.
 */
export async function latestChores(db: Queryable, o: { readonly done?: boolean } = {}): Promise<ChoreRow[]> {
  const { rows } = await db.query(
    `SELECT DISTINCT ON (name) ${COLUMNS} FROM medic.chores
      WHERE NOT $1 OR state = 'done' ORDER BY name, period DESC`,
    [o.done ?? false],
  );
  return choreRows(rows);
}

function choreRows(rows: readonly unknown[]): ChoreRow[] {
  return z
    .array(
      z.object({
        name: z.string(),
        period: z.string(),
        state: z.enum(['pending', 'running', 'done']),
        attempts: z.number(),
        worker: z.string().nullable(),
        outcome: z.string().nullable(),
        error: z.string().nullable(),
        finished_at: z.coerce.date().nullable(),
      }),
    )
    .parse(rows)
    .map(({ finished_at, ...r }) => ({ ...r, finishedAt: finished_at }));
}
