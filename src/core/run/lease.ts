// One run per workspace at a time, as a lease row in Postgres. A lease is free when it has
// expired (MEDIC_LEASE_TTL_S) or when the database session that took it is gone, so a
// holder that died never blocks for long. Taking a lease is one atomic upsert.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

export interface LeaseHolder {
  readonly runId: string;
  readonly holder: string;
  readonly expiresAt: string;
}

export type LeaseAttempt =
  | { readonly acquired: true; readonly tookOverFrom: string | null }
  | { readonly acquired: false; readonly heldBy: LeaseHolder };

const holderSchema = z.object({ run_id: z.string(), holder: z.string(), expires_at: z.coerce.date() });

// A lease is alive while unexpired and, where the session is known, while that session lives.
const LIVE = `(l.expires_at > now() AND (l.session_pid IS NULL OR EXISTS (
  SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.session_pid AND a.backend_start = l.session_start)))`;

export async function acquireLease(
  session: Queryable,
  workspaceId: string,
  runId: string,
  holder: string,
  ttlS: number,
): Promise<LeaseAttempt> {
  // `prior` reads the row as it was before this statement, so taking the lease and learning
  // whose lapsed lease was taken are one atomic round trip.
  const { rows } = await session.query(
    `WITH prior AS (SELECT run_id FROM medic.leases WHERE workspace_id = $1::uuid),
          me AS (
            SELECT pg_backend_pid() AS pid,
                   (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS started)
     INSERT INTO medic.leases AS l (workspace_id, run_id, holder, session_pid, session_start, acquired_at, expires_at)
     SELECT $1::uuid, $2::uuid, $3, CASE WHEN me.started IS NULL THEN NULL ELSE me.pid END, me.started,
            now(), now() + make_interval(secs => $4)
       FROM me
     ON CONFLICT (workspace_id) DO UPDATE
        SET run_id = EXCLUDED.run_id, holder = EXCLUDED.holder, session_pid = EXCLUDED.session_pid,
            session_start = EXCLUDED.session_start, acquired_at = EXCLUDED.acquired_at,
            expires_at = EXCLUDED.expires_at
      WHERE NOT ${LIVE}
     RETURNING (SELECT run_id::text FROM prior) AS prior_run`,
    [workspaceId, runId, holder, ttlS],
  );
  const taken = z.array(z.object({ prior_run: z.string().nullable() })).parse(rows)[0];
  if (taken) {
    return {
      acquired: true,
      tookOverFrom: taken.prior_run && taken.prior_run !== runId ? taken.prior_run : null,
    };
  }
  // Held by a live run; if it was released since, say busy with the row as it stands.
  const heldBy =
    (await currentHolder(session, workspaceId, true)) ?? (await currentHolder(session, workspaceId, false));
  return { acquired: false, heldBy: heldBy ?? { runId: 'unknown', holder: 'unknown', expiresAt: '' } };
}

export async function renewLease(session: Queryable, runId: string, ttlS: number): Promise<void> {
  await session.query(
    'UPDATE medic.leases SET expires_at = now() + make_interval(secs => $2) WHERE run_id = $1::uuid',
    [runId, ttlS],
  );
}

export async function releaseLease(session: Queryable, runId: string): Promise<void> {
  await session.query('DELETE FROM medic.leases WHERE run_id = $1::uuid', [runId]);
}

async function currentHolder(
  db: Queryable,
  workspaceId: string,
  liveOnly: boolean,
): Promise<LeaseHolder | null> {
  const { rows } = await db.query(
    `SELECT run_id::text AS run_id, holder, expires_at FROM medic.leases l
      WHERE workspace_id = $1::uuid ${liveOnly ? `AND ${LIVE}` : ''}`,
    [workspaceId],
  );
  const row = z.array(holderSchema).parse(rows)[0];
  return row ? { runId: row.run_id, holder: row.holder, expiresAt: row.expires_at.toISOString() } : null;
}

/** Leases held now, by any process (metrics). */
export async function leasesHeld(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM medic.leases WHERE expires_at > now()');
  return z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
}
