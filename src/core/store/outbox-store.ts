// The notifications' outbox (docs/signal.md): an event is written here, one row per sink the
// operator's policy sends it to, next to the run's result, and delivered later by whichever
// long-running process claims it (src/notify). Writing it is the only thing a recovery pays.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { type MedicEvent, type NotifySink, type SinkKind, sinkTarget } from '../policy/policy.js';

export interface OutboxRow {
  readonly id: number;
  readonly deliveryId: string;
  readonly sink: number;
  readonly kind: SinkKind;
  readonly urlEnv: string;
  readonly secretEnv: string | null;
  readonly event: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly createdAt: Date;
}

export const outboxRowSchema = z
  .object({
    id: z.number(),
    delivery_id: z.string(),
    sink: z.number(),
    sink_kind: z.enum(['slack', 'webhook', 'pagerduty', 'opsgenie']),
    url_env: z.string(),
    secret_env: z.string().nullable(),
    event: z.string(),
    payload: z.unknown(),
    attempts: z.number(),
    created_at: z.coerce.date(),
  })
  .transform(
    (r): OutboxRow => ({
      id: r.id,
      deliveryId: r.delivery_id,
      sink: r.sink,
      kind: r.sink_kind,
      urlEnv: r.url_env,
      secretEnv: r.secret_env,
      event: r.event,
      payload: r.payload,
      attempts: r.attempts,
      createdAt: r.created_at,
    }),
  );

/**
 * Writes the event for each sink (by its index in the policy, from 1); returns the delivery
 * ids. `parked`: not due for an hour, so that only a caller that claims them by id sends them
 * (`medic notify test`, which says what each sink answered).
 */
export async function enqueueEvent(
  db: Queryable,
  sinks: ReadonlyArray<{ readonly index: number; readonly sink: NotifySink }>,
  event: MedicEvent | 'test',
  payload: unknown,
  o: { readonly parked?: boolean; readonly runbook?: string | null; readonly pagerKey?: string | null } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (const { index, sink } of sinks) {
    const target = sinkTarget(sink);
    const pager = target.kind === 'pagerduty' || target.kind === 'opsgenie';
    const id = randomUUID();
    ids.push(id);
    await db.query(
      `INSERT INTO medic.outbox (delivery_id, sink, sink_kind, url_env, secret_env, event, payload, next_at)
       VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb, now() + make_interval(secs => $8))`,
      [
        id,
        index,
        target.kind,
        target.urlEnv,
        target.secretEnv,
        event,
        // An on-call service is also told how the operator files it, and where the runbook is.
        JSON.stringify(
          target.kind === 'slack' && o.runbook && payload !== null && typeof payload === 'object'
            ? { ...payload, runbook: o.runbook }
            : pager && 'severity' in sink
              ? {
                  object: payload,
                  pager: {
                    severity: sink.severity,
                    component: sink.component ?? null,
                    group: sink.group ?? null,
                    runbook: o.runbook ?? null,
                    key: o.pagerKey ?? null,
                  },
                }
              : payload,
        ),
        o.parked ? 3600 : 0,
      ],
    );
  }
  return ids;
}

/**
 * Claims up to `limit` events that are due, for one delivery attempt each: their next try is
 * pushed `leaseS` ahead, so a process that dies mid-delivery leaves them to the next claim.
 * Fair across sinks: at most `perSink` of each sink's oldest, and none of the sinks in `skip`
 * (those this process has enough in flight for, or has paused): a sink that never answers
 * cannot fill every claim while a healthy one waits.
 */
export async function claimDue(
  db: Queryable,
  limit: number,
  leaseS: number,
  ids?: readonly string[],
  fair: { readonly perSink?: number; readonly skip?: readonly string[] } = {},
): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `UPDATE medic.outbox o SET next_at = now() + make_interval(secs => $2), attempts = o.attempts + 1
      WHERE o.id IN (SELECT id FROM medic.outbox
                      WHERE state = 'pending'
                        AND ($3::uuid[] IS NULL AND next_at <= now() OR delivery_id = ANY($3::uuid[]))
                        -- Slack's events go by group (claimSlackGroups), but those named by id (notify test)
                        AND ($3::uuid[] IS NOT NULL OR sink_kind <> 'slack')
                        AND id IN (SELECT id FROM (
                                     SELECT id, row_number() OVER (PARTITION BY url_env ORDER BY id) AS n
                                       FROM medic.outbox
                                      WHERE state = 'pending' AND NOT (url_env = ANY($5::text[]))
                                        AND ($3::uuid[] IS NULL AND next_at <= now() OR delivery_id = ANY($3::uuid[]))) ranked
                                    WHERE n <= $4)
                     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING o.id::int AS id, o.delivery_id::text AS delivery_id, o.sink, o.sink_kind, o.url_env, o.secret_env,
                o.event, o.payload, o.attempts, o.created_at`,
    [limit, leaseS, ids ?? null, fair.perSink ?? limit, [...(fair.skip ?? [])]],
  );
  return z.array(outboxRowSchema).parse(rows);
}

/** Records one attempt and what follows: delivered, tried again after `retryInS`, or given up. */
export async function settleAttempt(
  db: Queryable,
  row: Pick<OutboxRow, 'id'>,
  attempt: {
    readonly status: number | null;
    readonly ms: number;
    readonly error: string | null;
    readonly next: { readonly delivered: true } | { readonly retryInS: number } | { readonly gaveUp: string };
  },
): Promise<void> {
  await db.query('INSERT INTO medic.outbox_attempts (outbox_id, status, ms, error) VALUES ($1, $2, $3, $4)', [
    row.id,
    attempt.status,
    attempt.ms,
    attempt.error,
  ]);
  const { next } = attempt;
  if ('delivered' in next) {
    await db.query(
      "UPDATE medic.outbox SET state = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1",
      [row.id],
    );
  } else if ('retryInS' in next) {
    await db.query(
      'UPDATE medic.outbox SET next_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1',
      [row.id, next.retryInS, attempt.error],
    );
  } else {
    await db.query("UPDATE medic.outbox SET state = 'failed', last_error = $2 WHERE id = $1", [
      row.id,
      next.gaveUp,
    ]);
  }
}

/** Failures in a row after which the notifier pauses a sink (its circuit opens). */
export const SINK_TRIP_AFTER = 5;

export interface Undelivered {
  readonly sink: number;
  readonly kind: string;
  readonly urlEnv: string;
  readonly pending: number;
  readonly failed: number;
  readonly lastError: string | null;
  readonly oldest: Date;
  /** Attempts that failed since its last delivery (from SINK_TRIP_AFTER on, the notifier pauses it). */
  readonly failingInARow: number;
}

/** Events not delivered (pending or given up), by sink: what `medic status` and the dashboard show. */
export async function undelivered(db: Queryable): Promise<Undelivered[]> {
  const { rows } = await db.query(
    `SELECT sink, sink_kind, url_env, count(*) FILTER (WHERE state = 'pending')::int AS pending,
            count(*) FILTER (WHERE state = 'failed' AND created_at > now() - interval '7 days')::int AS failed,
            (array_agg(last_error ORDER BY id DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error,
            min(created_at) AS oldest,
            (SELECT count(*)::int FROM medic.outbox_attempts a JOIN medic.outbox f ON f.id = a.outbox_id
              WHERE f.url_env = o.url_env AND a.error IS NOT NULL
                AND a.at > coalesce((SELECT max(s.at) FROM medic.outbox_attempts s JOIN medic.outbox d ON d.id = s.outbox_id
                                      WHERE d.url_env = o.url_env AND s.error IS NULL), '-infinity')) AS failing
       FROM medic.outbox o WHERE state = 'pending' OR (state = 'failed' AND created_at > now() - interval '7 days')
      GROUP BY sink, sink_kind, url_env ORDER BY sink`,
  );
  return z
    .array(
      z.object({
        sink: z.number(),
        sink_kind: z.string(),
        url_env: z.string(),
        pending: z.number(),
        failed: z.number(),
        last_error: z.string().nullable(),
        oldest: z.coerce.date(),
        failing: z.number(),
      }),
    )
    .parse(rows)
    .map((r) => ({
      sink: r.sink,
      kind: r.sink_kind,
      urlEnv: r.url_env,
      pending: r.pending,
      failed: r.failed,
      lastError: r.last_error,
      oldest: r.oldest,
      failingInARow: r.failing,
    }));
}
