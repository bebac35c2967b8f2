// [pager] What an on-call service (PagerDuty, Opsgenie) is sent: one alert per workspace (per
// scope for a breaker) under a stable key, triggered by what goes wrong on the automatic paths
// and resolved by a later success; a resolve is sent only for an alert this sink was sent and
// has not been resolved since (a fleet's every success is not a page).

import type { Queryable } from '../model/ports.js';
import type { MedicEvent } from '../policy/policy.js';

const TRIGGERS: readonly string[] = [
  'recovery.failed',
  'budget.exhausted',
  'regression',
  'breaker.opened',
  'heal.paused',
];
const RESOLVES: readonly string[] = ['recovery.succeeded', 'breaker.closed'];

export type PagerAction = 'trigger' | 'resolve';

/** Whether this event opens or closes an alert; null: not an on-call matter. */
export function pagerAction(event: string): PagerAction | null {
  return TRIGGERS.includes(event) ? 'trigger' : RESOLVES.includes(event) ? 'resolve' : null;
}

/** The alert's key: `medic/<workspace uuid>`, or `medic/breaker/<scope>`. */
export function pagerKey(payload: unknown, workspace: { readonly id: string } | null): string | null {
  const scope = (payload as { scope?: unknown } | null)?.scope;
  if (typeof scope === 'string') return `medic/breaker/${scope}`;
  return workspace ? `medic/${workspace.id}` : null;
}

/**
 * Whether sink `sink` (its index and kind) should be sent `event` with this key: a trigger
 * when it comes from the automatic paths (a person's own failed `recover` is no page); a
 * resolve only while an alert of that key is open at that sink.
 */
export async function pagerWants(
  db: Queryable,
  sink: { readonly index: number; readonly kind: string },
  event: MedicEvent,
  key: string | null,
  payload: unknown,
): Promise<boolean> {
  const action = pagerAction(event);
  if (!action || !key) return false;
  if (action === 'trigger') {
    const source = (payload as { source?: unknown } | null)?.source;
    return event !== 'recovery.failed' || source === 'auto' || source === 'api';
  }
  const { rows } = await db.query(
    `SELECT coalesce(max(id) FILTER (WHERE event = ANY($4::text[])), 0)
              > coalesce(max(id) FILTER (WHERE event = ANY($5::text[])), 0) AS open
       FROM medic.outbox WHERE sink = $1 AND sink_kind = $2 AND payload -> 'pager' ->> 'key' = $3`,
    [sink.index, sink.kind, key, TRIGGERS, RESOLVES],
  );
  return (rows[0] as { open?: boolean } | undefined)?.open === true;
}
