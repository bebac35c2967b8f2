// The one Postgres work queue under the app's webhook jobs (medic.jobs) and the agents'
// tasks (medic.tasks, each routed to one engine): claimed with SKIP LOCKED, heartbeated,
// finished, put back with a backoff, reclaimed from dead workers. Every write about an item
// names the worker and the attempt it claimed, and is refused once either has moved on, as
// graphile-worker guards completion on `locked_by`: a worker that stalled past its heartbeat
// and woke up can neither finish, extend, nor retry what another worker now runs.
import type { z } from 'zod';
import type { Queryable } from '../../core/index.js';
import type { Claimed, WorkQueue } from './work-queue.js';

/** Where a queue lives: its table (a constant, never input), its scope, and how a row reads. */
export interface QueueSpec<J extends Claimed> {
  readonly table: 'medic.jobs' | 'medic.tasks';
  /** Only the rows whose column equals the value (an agent's engine); null: every row. */
  readonly scope: { readonly column: 'engine'; readonly value: string } | null;
  /** The columns a claimed item is read from (`attempts` is always among them). */
  readonly columns: string;
  readonly row: z.ZodType<J, z.ZodTypeDef, unknown>;
  /** Set on claim besides state, worker, attempts (a task's steps and answer start over). */
  readonly onClaim?: string;
  /** Also given up, with this message, when a dead worker's item is not run again. */
  readonly abandonedWhy: string;
  /** NOTIFY on this channel (payload: the id) when an item ends, for whoever follows it. */
  readonly notify?: string;
  /** The order items are claimed in (a constant): oldest first unless given. */
  readonly order?: 'id' | 'priority DESC, id';
}

/**
 * How many times a dead worker's item is run again (a recovery is idempotent); after that it
 * is given up. Counted apart from its attempts: an item put back after a database blip
 * (RetryLater) has used an attempt, not a reclaim, and still survives its worker's death.
 */
export const MAX_RECLAIMS = 1;

export function fencedQueue<J extends Claimed>(db: Queryable, spec: QueueSpec<J>): WorkQueue<J> {
  const q = queueSql(db, spec);
  return {
    claim: (worker) => claim(q, worker),
    heartbeat: (worker, held) => heartbeat(q, worker, held),
    async finish(worker, item, state, error) {
      const { rows } = await q.ended(
        `UPDATE ${spec.table} SET state = ${q.n(4)}, error = ${q.n(5)}, finished_at = now() WHERE ${q.scoped}${q.mine}`,
        q.args(item.id, worker, item.attempt, state, error),
      );
      return rows.length === 1;
    },
    async retry(worker, item, delayS, why) {
      const { rows } = await db.query(
        `UPDATE ${spec.table} SET state = 'pending', error = ${q.n(5)},
                not_before = now() + make_interval(secs => ${q.n(4)})
          WHERE ${q.scoped}${q.mine} RETURNING id`,
        q.args(item.id, worker, item.attempt, delayS, why),
      );
      return rows.length === 1;
    },
    async holds(worker, item) {
      const { rows } = await db.query(
        `SELECT 1 FROM ${spec.table} WHERE ${q.scoped}${q.mine}`,
        q.args(item.id, worker, item.attempt),
      );
      return rows.length === 1;
    },
    reclaimStale: (staleS, running) => reclaimStale(q, staleS, running),
  };
}

// A queue's SQL pieces: its scope clause and parameters ($1 is always the scope's value when
// there is one; the others follow it), the fence (`mine`), and an end that notifies.
interface QueueSql<J extends Claimed> {
  readonly db: Queryable;
  readonly spec: QueueSpec<J>;
  readonly scoped: string;
  readonly mine: string;
  args(...rest: unknown[]): unknown[];
  n(i: number): string;
  ended(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
  parse(rows: unknown[]): J[];
}

function queueSql<J extends Claimed>(db: Queryable, spec: QueueSpec<J>): QueueSql<J> {
  const n = (i: number) => `$${spec.scope ? i + 1 : i}`;
  return {
    db,
    spec,
    scoped: spec.scope ? `${spec.scope.column} = $1 AND ` : '',
    mine: `id = ${n(1)} AND worker = ${n(2)} AND attempts = ${n(3)} AND state = 'running'`,
    args: (...rest) => (spec.scope ? [spec.scope.value, ...rest] : rest),
    n,
    ended: spec.notify
      ? (sql, params) =>
          db.query(
            `WITH t AS (${sql} RETURNING id) SELECT pg_notify('${spec.notify}', id::text) FROM t`,
            params,
          )
      : (sql, params) => db.query(`${sql} RETURNING id`, params),
    parse: (rows) => rows.map((r) => spec.row.parse(r)),
  };
}

async function claim<J extends Claimed>(q: QueueSql<J>, worker: string): Promise<J | null> {
  const { table } = q.spec;
  const { rows } = await q.db.query(
    `UPDATE ${table} SET state = 'running', started_at = now(), heartbeat_at = now(),
            attempts = attempts + 1, worker = ${q.n(1)}, not_before = NULL${q.spec.onClaim ? `, ${q.spec.onClaim}` : ''}
      WHERE id = (SELECT id FROM ${table} WHERE ${q.scoped}state = 'pending'
                     AND (not_before IS NULL OR not_before <= now())
                   ORDER BY ${q.spec.order ?? 'id'} FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING ${q.spec.columns}`,
    q.args(worker),
  );
  return q.parse(rows)[0] ?? null;
}

// The held items' heartbeats; returns the ids no longer this worker's.
async function heartbeat<J extends Claimed>(
  q: QueueSql<J>,
  worker: string,
  held: readonly { readonly id: number; readonly attempt: number }[],
): Promise<number[]> {
  if (held.length === 0) return [];
  const ids = held.map((h) => h.id);
  const { rows } = await q.db.query(
    `UPDATE ${q.spec.table} t SET heartbeat_at = now()
       FROM unnest(${q.n(2)}::bigint[], ${q.n(3)}::int[]) AS h(id, attempt)
      WHERE ${q.scoped}t.id = h.id AND t.attempts = h.attempt AND t.worker = ${q.n(1)} AND t.state = 'running'
      RETURNING t.id`,
    q.args(
      worker,
      ids,
      held.map((h) => h.attempt),
    ),
  );
  const kept = new Set(rows.map((r) => Number((r as { id: unknown }).id)));
  return ids.filter((id) => !kept.has(id));
}

async function reclaimStale<J extends Claimed>(
  q: QueueSql<J>,
  staleS: number,
  running: readonly { readonly id: number }[],
): Promise<J[]> {
  const { table } = q.spec;
  // Never one the asking worker still runs: it is alive, only slow, and taking it again
  // would count a death that did not happen. One it dropped (it could not write its end
  // while the database was away) is reclaimed like anyone's.
  const stale = `${q.scoped}state = 'running' AND heartbeat_at < now() - make_interval(secs => ${q.n(1)})
                 AND NOT (id = ANY(${q.n(2)}::bigint[]))`;
  const ids = running.map((r) => r.id);
  await q.db.query(
    `UPDATE ${table} SET state = 'pending', reclaims = reclaims + 1 WHERE ${stale} AND reclaims < ${MAX_RECLAIMS}`,
    q.args(staleS, ids),
  );
  const { rows } = await q.db.query(
    `UPDATE ${table} SET state = 'abandoned', finished_at = now(), error = ${q.n(3)}
      WHERE ${stale} RETURNING ${q.spec.columns}`,
    q.args(staleS, ids, q.spec.abandonedWhy),
  );
  return q.parse(rows);
}
