// What the HTTP API keeps of its calls: each Idempotency-Key's request (per client) with the
// run it started and, once it ended, the answer; and a row per call, refused or not, which the
// per-client rate limit counts (in Postgres, so every replica counts the same calls).
import { z } from 'zod';
import { type Queryable, type RecoveryResult, resultSchema } from '../core/index.js';

/** How long a key is remembered: the same key and body within it return the same run. */
export const KEY_TTL_S = 24 * 3600;
/**
 * A request whose run never began (its replica died between taking the key and starting the
 * run) is taken over by a call with the same key after this long.
 */
export const TAKEOVER_S = 120;

export type Claim =
  /** This call owns the key: start the run with `runId`. */
  | { readonly kind: 'new'; readonly runId: string }
  /** The key's run: finished (`result`) or still going. */
  | { readonly kind: 'replay'; readonly runId: string; readonly result: RecoveryResult | null }
  // A request taken over (its replica died) is `new`, with the run id this call brought.
  /** The key was used with another body. */
  | { readonly kind: 'conflict'; readonly runId: string };

const rowSchema = z.object({
  run_id: z.string(),
  body_hash: z.string(),
  result: z.unknown().nullable(),
  expired: z.boolean(),
  stranded: z.boolean(),
});

/**
 * Takes `key` for this body, or finds what it was taken for. One statement decides between
 * concurrent calls with the same key: exactly one of them gets `new`.
 */
export async function claimKey(
  db: Queryable,
  request: { client: string; key: string; bodyHash: string; target: string; runId: string },
): Promise<Claim> {
  const { client, key, bodyHash, target, runId } = request;
  for (;;) {
    const inserted = await db.query(
      `INSERT INTO medic.api_requests (client, key, body_hash, run_id, target) VALUES ($1, $2, $3, $4::uuid, $5)
       ON CONFLICT (client, key) DO NOTHING RETURNING run_id::text`,
      [client.toLowerCase(), key, bodyHash, runId, target],
    );
    if (inserted.rows.length > 0) return { kind: 'new', runId };
    const { rows } = await db.query(
      `SELECT q.run_id::text AS run_id, q.body_hash, COALESCE(q.result, r.result) AS result,
              q.created_at < now() - make_interval(secs => $3) AS expired,
              (q.result IS NULL AND q.taken_at < now() - make_interval(secs => $4)
                AND (r.run_id IS NULL OR r.state = 'abandoned')) AS stranded
         FROM medic.api_requests q LEFT JOIN medic.runs r ON r.run_id = q.run_id
        WHERE q.client = $1 AND q.key = $2`,
      [client.toLowerCase(), key, KEY_TTL_S, TAKEOVER_S],
    );
    const row = z.array(rowSchema).parse(rows)[0];
    if (!row) continue; // pruned between the two statements: take it again
    if (row.expired) {
      // Older than its 24 h: forgotten, and this call starts afresh.
      await db.query('DELETE FROM medic.api_requests WHERE client = $1 AND key = $2 AND run_id = $3::uuid', [
        client.toLowerCase(),
        key,
        row.run_id,
      ]);
      continue;
    }
    if (row.body_hash !== bodyHash) return { kind: 'conflict', runId: row.run_id };
    if (row.stranded) {
      // Its replica died before the run began, or while it ran (the run was abandoned): this
      // call runs it again, under a new run id (the abandoned run stays in the trail).
      const taken = await db.query(
        `UPDATE medic.api_requests SET taken_at = now(), run_id = $4::uuid
          WHERE client = $1 AND key = $2 AND run_id = $3::uuid AND result IS NULL
          RETURNING run_id::text`,
        [client.toLowerCase(), key, row.run_id, runId],
      );
      if (taken.rows.length > 0) return { kind: 'new', runId };
      continue;
    }
    return {
      kind: 'replay',
      runId: row.run_id,
      result: row.result === null ? null : resultSchema.parse(row.result),
    };
  }
}

/** Stores the answer of a key's run (what every later call with that key returns). */
export async function storeAnswer(db: Queryable, result: RecoveryResult): Promise<void> {
  await db.query('UPDATE medic.api_requests SET result = $2::jsonb WHERE run_id = $1::uuid', [
    result.runId,
    JSON.stringify(result),
  ]);
}

/**
 * Frees a key whose run ended in a way the same call may undo later (as Stripe keeps no
 * answer for a request that met a conflict or a failure before it began executing): the
 * row stays, renamed, so its client still reads the run, and the next call with the key
 * starts a new run against the workspace as it is then.
 */
export async function releaseKey(db: Queryable, result: RecoveryResult): Promise<void> {
  await db.query(
    "UPDATE medic.api_requests SET key = key || ' (released by run ' || run_id::text || ')', result = $2::jsonb WHERE run_id = $1::uuid",
    [result.runId, JSON.stringify(result)],
  );
}

/** A run started through the API, as its client may read it: null when it is not theirs. */
export async function requestOf(
  db: Queryable,
  client: string,
  runId: string,
): Promise<{ readonly result: RecoveryResult | null } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return null;
  const { rows } = await db.query(
    `SELECT COALESCE(q.result, r.result) AS result
       FROM medic.api_requests q LEFT JOIN medic.runs r ON r.run_id = q.run_id AND r.state = 'finished'
      WHERE q.run_id = $1::uuid AND q.client = $2`,
    [runId, client.toLowerCase()],
  );
  const row = z.array(z.object({ result: z.unknown().nullable() })).parse(rows)[0];
  if (!row) return null;
  return { result: row.result === null ? null : resultSchema.parse(row.result) };
}

/** The state and steps so far of a run that has not ended (null: not begun yet). */
export async function progressOf(
  db: Queryable,
  runId: string,
): Promise<{ readonly state: string; readonly steps: RecoveryResult['steps'] } | null> {
  const { rows } = await db.query(
    `SELECT r.state, COALESCE((SELECT json_agg(json_build_object('name', s.name, 'status', s.status, 'ms', s.ms,
              'detail', s.detail) ORDER BY s.seq) FROM medic.step_events s WHERE s.run_id = r.run_id), '[]'::json) AS steps
       FROM medic.runs r WHERE r.run_id = $1::uuid`,
    [runId],
  );
  const row = z.array(z.object({ state: z.string(), steps: resultSchema.shape.steps })).parse(rows)[0];
  return row ?? null;
}

/**
 * Takes one of the client's `perMinute` call slots (a row in the call log), or returns how
 * many seconds until one frees up. The row is the call's record; `finishCall` completes it.
 */
export async function takeCallSlot(
  db: Queryable,
  call: { client: string | null; method: string; path: string },
  perMinute: number,
): Promise<{ readonly id: number } | { readonly retryAfterS: number }> {
  const { rows } = await db.query(
    `WITH used AS (
       SELECT count(*)::int AS n, min(at) AS oldest FROM medic.api_calls
        WHERE $1::text IS NOT NULL AND lower(client) = lower($1) AND at > now() - interval '1 minute'
          AND status IS DISTINCT FROM 429)
     INSERT INTO medic.api_calls (client, method, path, status)
     SELECT $1, $2, $3, CASE WHEN used.n < $4 THEN NULL ELSE 429 END FROM used
     RETURNING id::int AS id, status,
       (SELECT greatest(1, ceil(extract(epoch FROM (oldest + interval '1 minute' - now()))))::int FROM used) AS wait`,
    [call.client, call.method, call.path.slice(0, 300), perMinute],
  );
  const row = z
    .array(z.object({ id: z.number(), status: z.number().nullable(), wait: z.number().nullable() }))
    .parse(rows)[0]!;
  return row.status === 429 ? { retryAfterS: row.wait ?? 60 } : { id: row.id };
}

export async function finishCall(
  db: Queryable,
  id: number,
  end: { status: number; code: string | null; runId: string | null; client?: string | null },
): Promise<void> {
  await db.query(
    'UPDATE medic.api_calls SET status = $2, code = $3, run_id = $4::uuid, client = COALESCE($5, client) WHERE id = $1',
    [id, end.status, end.code, end.runId, end.client ?? null],
  );
}
