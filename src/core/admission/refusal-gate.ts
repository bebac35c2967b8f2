// Refusals that cost nothing: a comment from a repository the policy does not grant, or from a
// user below its floor, is answered at most once in writing per actor and repository in any
// 10 minutes; the next one gets a reaction, and after that nothing, not even a GitHub call
// (the role held is the one looked up last time). Every refusal is still stored as a run.
// The count is in Postgres, taken under an advisory lock per actor and repository, so
// replicas handling a flood at once agree on who answers.
import { z } from 'zod';
import { RefusalError } from '../model/errors.js';
import type { Database, Queryable } from '../model/ports.js';
import { type GrantSource, grantedRule } from '../policy/grant.js';
import { currentPolicy } from '../store/policy-store.js';

export const REFUSAL_WINDOW_S = 600;

/** SQL: a medic.refusals row of this actor in this repository within the window (placeholders given). */
const inWindow = (actor: string, repo: string, secs: string) =>
  `lower(actor) = lower(${actor}) AND lower(repo) = lower(${repo}) AND at > now() - make_interval(secs => ${secs})`;

/** How a floor refusal is answered: a comment (and 👎), a 👎 alone, or nothing at all. */
export type RefusalAnswer = 'comment' | 'reaction' | 'none';

export interface Silenced {
  /** The role looked up when this actor was last refused here, reused instead of asking GitHub. */
  readonly held: string;
  readonly code: string;
}

const lastSchema = z.array(
  z.object({ n: z.number(), code: z.string().nullable(), held: z.string().nullable() }),
);

/**
 * Before any GitHub call for this actor: when their last refusals here already used up both
 * answers, the role they held then, so the refusal is stored without asking again.
 */
export async function silencedRefusal(db: Database, actor: string, repo: string): Promise<Silenced | null> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n,
            (array_agg(code ORDER BY at DESC))[1] AS code,
            (array_agg(held ORDER BY at DESC))[1] AS held
       FROM medic.refusals
      WHERE ${inWindow('$1', '$2', '$3')}`,
    [actor, repo, REFUSAL_WINDOW_S],
  );
  const last = lastSchema.parse(rows)[0];
  if (!last || last.n < 2) return null;
  return { held: last.held ?? 'none', code: last.code ?? 'PERMISSION_DENIED' };
}

/**
 * Records one floor refusal and says how it is answered (the first in the window in writing).
 * Counting and recording is one statement, run while this session holds a session-level
 * advisory lock for the actor and repository (no transaction: the embedded database shares
 * its one connection with every other statement of the process).
 */
export async function recordRefusal(
  db: Database,
  refusal: { readonly actor: string; readonly repo: string; readonly code: string; readonly held: string },
): Promise<RefusalAnswer> {
  const { actor, repo, code, held } = refusal;
  const key = `workspace-medic:refusal:${actor.toLowerCase()}:${repo.toLowerCase()}`;
  return db.session(async (s) => {
    await s.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      const { rows } = await s.query(
        `WITH prior AS (
           SELECT count(*)::int AS n FROM medic.refusals
            WHERE ${inWindow('$1', '$2', '$5')})
         INSERT INTO medic.refusals (actor, repo, code, held, answered)
         SELECT $1, $2, $3, $4, CASE n WHEN 0 THEN 'comment' WHEN 1 THEN 'reaction' ELSE 'none' END FROM prior
         RETURNING answered`,
        [actor, repo, code, held, REFUSAL_WINDOW_S],
      );
      return z.array(z.object({ answered: z.enum(['comment', 'reaction', 'none']) })).parse(rows)[0]!
        .answered;
    } finally {
      await s.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    }
  });
}

/** Where a comment goes in the app's queue, decided at intake, before any GitHub call. */
export type IntakePriority = 'high' | 'normal' | 'low';

/**
 * `low`: a stranger's (its repository is granted by no rule, or its author was refused there
 * in the last 10 minutes and has run nothing since); `high`: an author who ran a command here
 * that was not refused in the last 7 days, after any refusal (an on-call engineer amid a
 * flood of strangers); `normal` otherwise. A wrong
 * guess only orders the queue: the floor is checked again when the job runs.
 */
export async function intakePriority(
  db: Queryable,
  source: GrantSource,
  actor: string,
): Promise<IntakePriority> {
  try {
    grantedRule(await currentPolicy(db), source);
  } catch (error) {
    if (error instanceof RefusalError) return 'low';
    throw error;
  }
  // The latest word counts: someone refused an hour ago who has since been given the role
  // and ran a command is an on-call engineer again, not a stranger.
  const { rows } = await db.query(
    `SELECT (SELECT max(at) FROM medic.refusals WHERE ${inWindow('$1', '$2', '$3')}) AS refused,
            (SELECT max(started_at) FROM medic.runs
              WHERE lower(actor) = lower($1) AND lower(origin->>'repo') = lower($2)
                AND outcome IS DISTINCT FROM 'refused' AND started_at > now() - interval '7 days') AS trusted`,
    [actor, source.repo, REFUSAL_WINDOW_S],
  );
  const seen = z
    .array(z.object({ refused: z.coerce.date().nullable(), trusted: z.coerce.date().nullable() }))
    .parse(rows)[0];
  const refused = seen?.refused?.getTime() ?? null;
  const trusted = seen?.trusted?.getTime() ?? null;
  if (trusted !== null && (refused === null || trusted > refused)) return 'high';
  return refused !== null ? 'low' : 'normal';
}
