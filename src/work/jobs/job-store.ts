// Durable jobs in Postgres: one per webhook delivery (the delivery id is unique, so a
// redelivered webhook adds nothing), run through the fenced queue (src/work/queue).
import { z } from 'zod';
import type { IntakePriority, Queryable } from '../../core/index.js';
import { fencedQueue, type WorkQueue } from '../queue/index.js';
import { type JobPayload, jobPayloadSchema } from './job-payload.js';

export interface Job {
  readonly id: number;
  readonly deliveryId: string;
  /** Which claim of it this is (1 the first): every write about it names it. */
  readonly attempt: number;
  readonly payload: JobPayload;
}

const jobRow: z.ZodType<Job, z.ZodTypeDef, unknown> = z
  .object({
    id: z.coerce.number(),
    delivery_id: z.string(),
    attempts: z.number(),
    payload: jobPayloadSchema,
  })
  .transform((r) => ({ id: r.id, deliveryId: r.delivery_id, attempt: r.attempts, payload: r.payload }));

/**
 * Stores a job; false when this delivery, or (with `commentKey`) this comment under another
 * delivery id, was stored before: a redelivery or a replay runs nothing twice.
 */
export async function enqueueJob(
  db: Queryable,
  deliveryId: string,
  payload: JobPayload,
  commentKey: string | null = null,
  priority: IntakePriority = 'normal',
): Promise<boolean> {
  // Every replica's worker LISTENs (JOBS_QUEUED): the one with room claims it at once, not at
  // its next poll (which stays as the net).
  const { rows } = await db.query(
    `WITH added AS (
       INSERT INTO medic.jobs (delivery_id, kind, payload, comment_key, priority) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id)
     SELECT id, pg_notify($6, id::text) FROM added`,
    [deliveryId, payload.kind, JSON.stringify(payload), commentKey, PRIORITY[priority], JOBS_QUEUED],
  );
  return rows.length === 1;
}

/** The NOTIFY channel a stored job is announced on (its id the payload). */
export const JOBS_QUEUED = 'medic_jobs';

/** Jobs are claimed by priority, then oldest first (the app's intake decides: intakePriority). */
const PRIORITY: Record<IntakePriority, number> = { high: 1, normal: 0, low: -1 };

/** The app's webhook jobs as a fenced work queue. */
export function jobQueue(db: Queryable): WorkQueue<Job> {
  return fencedQueue(db, {
    table: 'medic.jobs',
    scope: null,
    columns: 'id, delivery_id, attempts, payload',
    row: jobRow,
    abandonedWhy: 'worker stopped twice while running it',
    order: 'priority DESC, id',
  });
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
