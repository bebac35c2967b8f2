// [storm] Slack's digests (docs/signal.md): its events are claimed a group at a time, one sink
// and one kind of event, so that a storm of them is one message.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { type OutboxRow, outboxRowSchema } from './outbox-store.js';

/**
 * [storm] Claims Slack's due events a group at a time (one sink, one kind of event), so that a
 * storm is one message, not a flood: a group none of whose events was delivered within
 * `windowS` goes at once (one event alone, or every one waiting, up to `perGroup`); the events
 * of a kind that arrive after it wait for the window to pass and go together (a digest). Groups
 * of the sinks in `skip` (paused, or with enough in flight here) wait.
 */
export async function claimSlackGroups(
  db: Queryable,
  leaseS: number,
  windowS: number,
  skip: readonly string[],
  perGroup = 50,
): Promise<OutboxRow[][]> {
  const { rows } = await db.query(
    `UPDATE medic.outbox o SET next_at = now() + make_interval(secs => $1), attempts = o.attempts + 1
      WHERE o.id IN (SELECT id FROM medic.outbox
                      WHERE state = 'pending' AND sink_kind = 'slack' AND next_at <= now()
                        AND id IN (SELECT id FROM (
                                     SELECT p.id, row_number() OVER (PARTITION BY p.url_env, p.event ORDER BY p.id) AS n
                                       FROM medic.outbox p
                                      WHERE p.state = 'pending' AND p.sink_kind = 'slack' AND p.next_at <= now()
                                        AND NOT (p.url_env = ANY($3::text[]))
                                        AND NOT EXISTS (
                                          SELECT 1 FROM medic.outbox d
                                           WHERE d.url_env = p.url_env AND d.event = p.event AND d.state = 'delivered'
                                             AND d.delivered_at > now() - make_interval(secs => $2))) ranked
                                    WHERE n <= $4)
                     ORDER BY id FOR UPDATE SKIP LOCKED)
      RETURNING o.id::int AS id, o.delivery_id::text AS delivery_id, o.sink, o.sink_kind, o.url_env, o.secret_env,
                o.event, o.payload, o.attempts, o.created_at`,
    [leaseS, windowS, [...skip], perGroup],
  );
  const groups = new Map<string, OutboxRow[]>();
  for (const row of z
    .array(outboxRowSchema)
    .parse(rows)
    .sort((a, b) => a.id - b.id)) {
    const key = `${row.urlEnv}\u0000${row.event}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}
