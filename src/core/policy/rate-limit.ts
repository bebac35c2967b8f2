// At most MAX commands per actor per window from GitHub, across repositories and replicas (the
// count is in Postgres). Taking a slot and checking the count are one statement each way: a
// refused batch takes no slots.
import { z } from 'zod';
import { RateLimitedError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';

export const COMMANDS_PER_WINDOW = 20;
export const WINDOW_S = 600;

/** Takes `n` slots for the actor, or throws RATE_LIMITED (taking none) when that would pass the cap. */
export async function takeCommandSlots(db: Queryable, actor: string, repo: string, n: number): Promise<void> {
  const { rows } = await db.query(
    `WITH used AS (
       SELECT count(*)::int AS n FROM medic.commands
        WHERE lower(actor) = lower($1) AND at > now() - make_interval(secs => $4))
     INSERT INTO medic.commands (actor, repo)
     SELECT $1, $2 FROM generate_series(1, $3), used WHERE used.n + $3 <= $5
     RETURNING (SELECT n FROM used) AS used`,
    [actor, repo, n, WINDOW_S, COMMANDS_PER_WINDOW],
  );
  if (z.array(z.object({ used: z.number() })).parse(rows).length > 0) return;
  throw new RateLimitedError(
    `@${actor} has run ${COMMANDS_PER_WINDOW} commands in the last ${WINDOW_S / 60} minutes; this comment's ${n} would pass that`,
    { hint: 'wait a few minutes, or ask an operator to use the CLI' },
  );
}
