// Durable jobs in Postgres: one per webhook delivery (the delivery id is unique, so a
// redelivered webhook adds nothing), claimed with SKIP LOCKED, heartbeated while they run.
import { z } from 'zod';
import type { Queryable } from '../../core/index.js';
import { type JobPayload, jobPayloadSchema } from './job-payload.js';

export interface Job {
  readonly id: number;
  readonly deliveryId: string;
  readonly attempts: number;
  readonly payload: JobPayload;
}

const jobRow = z.object({
  id: z.coerce.number(),
  delivery_id: z.string(),
  attempts: z.number(),
  payload: z.unknown(),
});
const toJob = (row: unknown): Job => {
  const r = jobRow.parse(row);
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    attempts: r.attempts,
    payload: jobPayloadSchema.parse(r.payload),
  };
};

/**
 * Stores a job; false when this delivery, or (with `commentKey`) this comment under another
 * delivery id, was stored before: a redelivery or a replay runs nothing twice.
 */
export async function enqueueJob(
  db: Queryable,
  deliveryId: string,
  payload: JobPayload,
  commentKey: string | null = null,
): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO medic.jobs (delivery_id, kind, payload, comment_key) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT DO NOTHING RETURNING id`,
    [deliveryId, payload.kind, JSON.stringify(payload), commentKey],
  );
  return rows.length === 1;
}

export async function claimJob(db: Queryable, worker: string): Promise<Job | null> {
  const { rows } = await db.query(
    `UPDATE medic.jobs SET state = 'running', started_at = now(), heartbeat_at = now(), attempts = attempts + 1, worker = $1
      WHERE id = (SELECT id FROM medic.jobs WHERE state = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING id, delivery_id, attempts, payload`,
    [worker],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

export async function heartbeat(db: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length > 0)
    await db.query('UPDATE medic.jobs SET heartbeat_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

export async function finishJob(
  db: Queryable,
  id: number,
  state: 'done' | 'failed',
  error: string | null,
): Promise<void> {
  await db.query('UPDATE medic.jobs SET state = $2, error = $3, finished_at = now() WHERE id = $1', [
    id,
    state,
    error,
  ]);
}

/**
 * Jobs whose worker stopped heartbeating (its process died): put back once to run again (a
 * recovery is idempotent), and abandoned after that. Returns the abandoned ones. A worker
 * never reclaims its own jobs: it is alive, only slow (a loaded machine), and taking its own
 * job again would count a death that did not happen.
 */
export async function reclaimStale(db: Queryable, staleS: number, self: string): Promise<Job[]> {
  await db.query(
    `UPDATE medic.jobs SET state = 'pending' WHERE state = 'running' AND attempts < 2
        AND heartbeat_at < now() - make_interval(secs => $1) AND worker IS DISTINCT FROM $2`,
    [staleS, self],
  );
  const { rows } = await db.query(
    `UPDATE medic.jobs SET state = 'abandoned', finished_at = now(), error = 'worker stopped twice while running it'
      WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1) AND worker IS DISTINCT FROM $2
      RETURNING id, delivery_id, attempts, payload`,
    [staleS, self],
  );
  return rows.map(toJob);
}

export async function jobCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query('SELECT state, count(*)::int AS n FROM medic.jobs GROUP BY state');
  return Object.fromEntries(
    z
      .array(z.object({ state: z.string(), n: z.number() }))
      .parse(rows)
      .map((r) => [r.state, r.n]),
  );
}
