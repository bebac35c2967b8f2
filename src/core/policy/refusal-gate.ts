// Refusals that cost nothing: a comment from a repository the policy does not grant, or from a
// user below its floor, is answered at most once in writing per actor and repository in any
// 10 minutes; the next one gets a reaction, and after that nothing, not even a GitHub call
// (the role held is the one looked up last time). Every refusal is still stored as a run.
// The count is in Postgres, taken under a transaction-scoped advisory lock per actor and
// repository, so replicas handling a flood at once agree on who answers.
import { z } from 'zod';
import { RefusalError } from '../model/errors.js';
import type { Database, Queryable } from '../model/ports.js';
import { type GrantSource, grantedRule } from './grant.js';
import { currentPolicy } from './policy-store.js';

export const REFUSAL_WINDOW_S = 600;

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
      WHERE lower(actor) = lower($1) AND lower(repo) = lower($2) AND at > now() - make_interval(secs => $3)`,
    [actor, repo, REFUSAL_WINDOW_S],
  );
  const last = lastSchema.parse(rows)[0];
  if (!last || last.n < 2) return null;
  return { held: last.held ?? 'none', code: last.code ?? 'PERMISSION_DENIED' };
}

/** Records one floor refusal and says how it is answered (the first in the window in writing). */
export async function recordRefusal(
  db: Database,
  refusal: { readonly actor: string; readonly repo: string; readonly code: string; readonly held: string },
): Promise<RefusalAnswer> {
  const { actor, repo, code, held } = refusal;
  return db.session(async (s) => {
    await s.query('BEGIN');
    try {
      await s.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `workspace-medic:refusal:${actor.toLowerCase()}:${repo.toLowerCase()}`,
      ]);
      const { rows } = await s.query(
        `SELECT count(*)::int AS n FROM medic.refusals
          WHERE lower(actor) = lower($1) AND lower(repo) = lower($2) AND at > now() - make_interval(secs => $3)`,
        [actor, repo, REFUSAL_WINDOW_S],
      );
      const prior = z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
      const answer: RefusalAnswer = prior === 0 ? 'comment' : prior === 1 ? 'reaction' : 'none';
      await s.query(
        'INSERT INTO medic.refusals (actor, repo, code, held, answered) VALUES ($1, $2, $3, $4, $5)',
        [actor, repo, code, held, answer],
      );
      await s.query('COMMIT');
      return answer;
    } catch (error) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Whether a comment is a stranger's, decided before any GitHub call (the app's intake stores
 * it at a lower priority): its repository is granted by no rule, or its author was refused
 * there in the last 10 minutes. A wrong guess only orders the queue; the floor is checked again.
 */
export async function looksLikeStranger(db: Queryable, source: GrantSource, actor: string): Promise<boolean> {
  try {
    grantedRule(await currentPolicy(db), source);
  } catch (error) {
    if (error instanceof RefusalError) return true;
    throw error;
  }
  const { rows } = await db.query(
    `SELECT 1 FROM medic.refusals
      WHERE lower(actor) = lower($1) AND lower(repo) = lower($2) AND at > now() - make_interval(secs => $3) LIMIT 1`,
    [actor, source.repo, REFUSAL_WINDOW_S],
  );
  return rows.length > 0;
}
