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
  const { table } = spec;
  // $1 is always the scope's value when there is one; the others follow it.
  const scoped = spec.scope ? `${spec.scope.column} = $1 AND ` : '';
  const args = (...rest: unknown[]) => (spec.scope ? [spec.scope.value, ...rest] : rest);
  const n = (i: number) => `$${spec.scope ? i + 1 : i}`;
  const mine = `id = ${n(1)} AND worker = ${n(2)} AND attempts = ${n(3)} AND state = 'running'`;
  const ended = spec.notify
    ? (sql: string, params: unknown[]) =>
        db.query(
          `WITH t AS (${sql} RETURNING id) SELECT pg_notify('${spec.notify}', id::text) FROM t`,
          params,
        )
    : (sql: string, params: unknown[]) => db.query(`${sql} RETURNING id`, params);
  const parse = (rows: unknown[]) => rows.map((r) => spec.row.parse(r));
  return {
    async claim(worker) {
      const { rows } = await db.query(
        `UPDATE ${table} SET state = 'running', started_at = now(), heartbeat_at = now(),
                attempts = attempts + 1, worker = ${n(1)}, not_before = NULL${spec.onClaim ? `, ${spec.onClaim}` : ''}
          WHERE id = (SELECT id FROM ${table} WHERE ${scoped}state = 'pending'
                         AND (not_before IS NULL OR not_before <= now())
                       ORDER BY ${spec.order ?? 'id'} FOR UPDATE SKIP LOCKED LIMIT 1)
          RETURNING ${spec.columns}`,
        args(worker),
      );
      return parse(rows)[0] ?? null;
    },
    async heartbeat(worker, held) {
      if (held.length === 0) return [];
      const ids = held.map((h) => h.id);
      const { rows } = await db.query(
        `UPDATE ${table} t SET heartbeat_at = now()
           FROM unnest(${n(2)}::bigint[], ${n(3)}::int[]) AS h(id, attempt)
          WHERE ${scoped}t.id = h.id AND t.attempts = h.attempt AND t.worker = ${n(1)} AND t.state = 'running'
          RETURNING t.id`,
        args(
          worker,
          ids,
          held.map((h) => h.attempt),
        ),
      );
      const kept = new Set(rows.map((r) => Number((r as { id: unknown }).id)));
      return ids.filter((id) => !kept.has(id));
    },
    async finish(worker, item, state, error) {
      const { rows } = await ended(
        `UPDATE ${table} SET state = ${n(4)}, error = ${n(5)}, finished_at = now() WHERE ${scoped}${mine}`,
        args(item.id, worker, item.attempt, state, error),
      );
      return rows.length === 1;
    },
    async retry(worker, item, delayS, why) {
      const { rows } = await db.query(
        `UPDATE ${table} SET state = 'pending', error = ${n(5)},
                not_before = now() + make_interval(secs => ${n(4)})
          WHERE ${scoped}${mine} RETURNING id`,
        args(item.id, worker, item.attempt, delayS, why),
      );
      return rows.length === 1;
    },
    async holds(worker, item) {
      const { rows } = await db.query(
        `SELECT 1 FROM ${table} WHERE ${scoped}${mine}`,
        args(item.id, worker, item.attempt),
      );
      return rows.length === 1;
    },
    async reclaimStale(staleS, running) {
      // Never one the asking worker still runs: it is alive, only slow, and taking it again
      // would count a death that did not happen. One it dropped (it could not write its end
      // while the database was away) is reclaimed like anyone's.
      const stale = `${scoped}state = 'running' AND heartbeat_at < now() - make_interval(secs => ${n(1)})
                     AND NOT (id = ANY(${n(2)}::bigint[]))`;
      const ids = running.map((r) => r.id);
      await db.query(
        `UPDATE ${table} SET state = 'pending', reclaims = reclaims + 1 WHERE ${stale} AND reclaims < ${MAX_RECLAIMS}`,
        args(staleS, ids),
      );
      const { rows } = await db.query(
        `UPDATE ${table} SET state = 'abandoned', finished_at = now(), error = ${n(3)}
          WHERE ${stale} RETURNING ${spec.columns}`,
        args(staleS, ids, spec.abandonedWhy),
      );
      return parse(rows);
    },
  };
}
