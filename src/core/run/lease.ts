// One run per workspace at a time. Liveness is a session-level advisory lock per workspace,
// which Postgres releases when the holder's session ends (the process died) and which any
// role can see, unlike pg_stat_activity's backend_start. The lease row beside it is the audit
// trail (who holds it, since when) and the TTL: a holder alive but past MEDIC_LEASE_TTL_S
// (hung) loses the row to the next run, and stops with LEASE_LOST before its next change.
import { z } from 'zod';
import { LeaseLostError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import { leaseLockKey as key, LIVE_LEASE } from '../store/live-lease.js';
import { appendStepsClause, type NumberedStep, stepsParam } from '../store/step-trail.js';

export interface LeaseHolder {
  readonly runId: string;
  readonly holder: string;
  readonly expiresAt: string;
}

export type LeaseAttempt =
  | { readonly acquired: true; readonly tookOverFrom: string | null; readonly locked: boolean }
  | { readonly acquired: false; readonly heldBy: LeaseHolder };

const rowSchema = z.object({
  run_id: z.string(),
  holder: z.string(),
  expires_at: z.coerce.date(),
  expired: z.boolean(),
  session_pid: z.number().nullable(),
});

/** What a run asks for: this workspace's lease, for this run, named for this process, for this long. */
export interface LeaseClaim {
  readonly workspaceId: string;
  readonly runId: string;
  readonly holder: string;
  readonly ttlS: number;
}

export async function acquireLease(session: Queryable, claim: LeaseClaim): Promise<LeaseAttempt> {
  const { rows } = await session.query(
    `SELECT pg_try_advisory_lock(${key('$1')}) AS locked, pg_backend_pid() AS pid`,
    [claim.workspaceId],
  );
  const me = z.array(z.object({ locked: z.boolean(), pid: z.number() })).parse(rows)[0]!;
  return me.locked ? takeRow(session, claim, me.pid) : takeLapsed(session, claim, me.pid);
}

const TAKING_NOW = { runId: 'unknown', holder: 'a run taking the lease now', expiresAt: '' };

// This session has the workspace's lock: its row is taken too (or found held by a live run).
async function takeRow(session: Queryable, claim: LeaseClaim, pid: number): Promise<LeaseAttempt> {
  const { workspaceId, runId, holder, ttlS } = claim;
  // Nobody else holds the lock, or only this session does: advisory locks are re-entrant
  // within a session, and with one shared connection (the embedded database, whose holder
  // serves several processes) another run may hold it already. So the row is taken in one
  // statement, and only from a holder that is gone (another session's, whose lock is free
  // now) or past its TTL; a live row of this same session keeps it (busy).
  const { rows: taken } = await session.query(
    `WITH before AS (SELECT run_id FROM medic.leases WHERE workspace_id = $1::uuid)
     INSERT INTO medic.leases AS l (workspace_id, run_id, holder, session_pid, acquired_at, expires_at)
     VALUES ($1::uuid, $2::uuid, $3, $4, now(), now() + make_interval(secs => $5))
     ON CONFLICT (workspace_id) DO UPDATE
        SET run_id = EXCLUDED.run_id, holder = EXCLUDED.holder, session_pid = EXCLUDED.session_pid,
            session_start = NULL, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
      WHERE l.run_id = EXCLUDED.run_id OR l.session_pid IS DISTINCT FROM EXCLUDED.session_pid
         OR l.expires_at <= now()
         -- the same pid, but an earlier session's (the server reused it): that holder is gone
         OR l.acquired_at < (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
     RETURNING (SELECT run_id::text FROM before) AS previous`,
    [workspaceId, runId, holder, pid, ttlS],
  );
  const row = z.array(z.object({ previous: z.string().nullable() })).parse(taken)[0];
  if (!row) {
    await session.query(`SELECT pg_advisory_unlock(${key('$1')})`, [workspaceId]);
    const current = await readLease(session, workspaceId);
    return {
      acquired: false,
      heldBy: current ? holderOf(current) : TAKING_NOW,
    };
  }
  return {
    acquired: true,
    tookOverFrom: row.previous && row.previous !== runId ? row.previous : null,
    locked: true,
  };
}

// Another session holds the lock: the lease is taken only if its holder is past its TTL.
async function takeLapsed(session: Queryable, claim: LeaseClaim, pid: number): Promise<LeaseAttempt> {
  const { workspaceId, runId, holder, ttlS } = claim;
  let current = await readLease(session, workspaceId);
  // Another session holds the lock; the row it writes right after may lag it by a moment, and
  // until then the row (if any) is a previous holder's: wait for the holder's own row.
  for (let i = 0; i < ROW_WAITS; i++) {
    const lockPid = await lockHolderPid(session, workspaceId);
    if (lockPid === null || current?.session_pid === lockPid) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = await readLease(session, workspaceId);
  }
  if (current?.expired) {
    // The lock's holder is alive but past its TTL (hung): its lease lapses all the same.
    const taken = await session.query(
      `UPDATE medic.leases SET run_id = $2::uuid, holder = $3, session_pid = $4, acquired_at = now(),
              expires_at = now() + make_interval(secs => $5)
        WHERE workspace_id = $1::uuid AND run_id = $6::uuid AND expires_at <= now() RETURNING 1`,
      [workspaceId, runId, holder, pid, ttlS, current.run_id],
    );
    if (taken.rows.length === 1) return { acquired: true, tookOverFrom: current.run_id, locked: false };
  }
  return { acquired: false, heldBy: current ? holderOf(current) : TAKING_NOW };
}

/** How many times (20 ms apart) a run waits for the lock holder's row before saying busy. */
const ROW_WAITS = 50;

/** The backend pid of the session holding the workspace's lock, or null. */
async function lockHolderPid(db: Queryable, workspaceId: string): Promise<number | null> {
  const { rows } = await db.query(
    `SELECT k.pid FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
        AND k.classid = ((${key('$1')} >> 32) & 4294967295)::oid AND k.objid = (${key('$1')} & 4294967295)::oid`,
    [workspaceId],
  );
  return z.array(z.object({ pid: z.number().nullable() })).parse(rows)[0]?.pid ?? null;
}

/**
 * Extends the lease if it is still this run's; false when another run has taken it. With
 * `lockedFor` (the workspace whose advisory lock this session took), also false when this
 * session no longer holds that lock (the database restarted, or failed over, under it).
 * `unrecorded` steps are appended to the trail in the same statement.
 */
export async function renewLease(
  session: Queryable,
  runId: string,
  ttlS: number,
  lockedFor: string | null = null,
  unrecorded: readonly NumberedStep[] = [],
): Promise<boolean> {
  const { rows } = await session.query(
    `WITH ${appendStepsClause('$1', '$4')}
     UPDATE medic.leases SET expires_at = now() + make_interval(secs => $2)
      WHERE run_id = $1::uuid AND ($3::uuid IS NULL OR EXISTS (
        SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
           AND k.pid = pg_backend_pid()
           AND k.classid = ((${key('$3')} >> 32) & 4294967295)::oid
           AND k.objid = (${key('$3')} & 4294967295)::oid))
      RETURNING 1`,
    [runId, ttlS, lockedFor, stepsParam(unrecorded)],
  );
  return rows.length === 1;
}

export async function releaseLease(
  session: Queryable,
  workspaceId: string,
  runId: string,
  locked: boolean,
): Promise<void> {
  // One round trip: the row goes, and the lock with it.
  await session.query(
    `WITH gone AS (DELETE FROM medic.leases WHERE run_id = $2::uuid)
     SELECT CASE WHEN $3::boolean THEN pg_advisory_unlock(${key('$1')}) END`,
    [workspaceId, runId, locked],
  );
}

async function readLease(db: Queryable, workspaceId: string) {
  const { rows } = await db.query(
    `SELECT run_id::text AS run_id, holder, expires_at, expires_at <= now() AS expired, session_pid
       FROM medic.leases WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  return z.array(rowSchema).parse(rows)[0] ?? null;
}

function holderOf(row: z.infer<typeof rowSchema>): LeaseHolder {
  return { runId: row.run_id, holder: row.holder, expiresAt: row.expires_at.toISOString() };
}

/** How long until the workspace's lease lapses by its TTL (ms; 0 when it has; null when none is held). */
export async function leaseLapsesInMs(db: Queryable, workspaceId: string): Promise<number | null> {
  const { rows } = await db.query(
    'SELECT GREATEST(0, EXTRACT(epoch FROM expires_at - now()) * 1000)::float8 AS ms FROM medic.leases WHERE workspace_id = $1::uuid',
    [workspaceId],
  );
  const ms = (rows[0] as { ms: number } | undefined)?.ms;
  return ms === undefined ? null : Math.ceil(ms);
}

/** Leases held now, by any process (metrics). */
export async function leasesHeld(db: Queryable): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM medic.leases l WHERE ${LIVE_LEASE}`);
  return z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
}

/**
 * Renews the run's lease a third of its TTL apart, so a long stop or start never outlives it;
 * `onLost` when another run holds it now. Returns the stop.
 */
export function keepRenewed(
  session: Queryable,
  runId: string,
  ttlS: number,
  on: { readonly onLost: () => void; readonly onError: (error: unknown) => void },
): () => void {
  const timer = setInterval(
    () => {
      renewLease(session, runId, ttlS).then((held) => {
        if (!held) on.onLost();
      }, on.onError);
    },
    (ttlS * 1000) / 3,
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Why a run stopped before its next change: its session went (`why`), or another run took over. */
export function leaseLostError(why: string | null): LeaseLostError {
  if (why) {
    return new LeaseLostError(`${why}; stopped before changing anything more`, {
      hint: 'run it again: the next run takes the lease afresh',
    });
  }
  return new LeaseLostError(
    "another run took over this workspace's lease (this run stalled past MEDIC_LEASE_TTL_S); stopped before changing anything more",
    { hint: 'the other run carries on; medic history shows both' },
  );
}
