// `medic doctor`'s line on the scheduled chores (medic.chores): a chore whose last attempt
// failed is named with its error, and a daily prune that stopped running is said, so that a
// chore failing day after day in a process nobody reads the log of does not go unseen.
import { latestChores, type Queryable } from '../core/index.js';
import type { Check } from './check.js';

/** The daily prune's last run is overdue after this long (a day, and the ticks' slack). */
const PRUNE_OVERDUE_MS = 2 * 86_400_000;

export async function choresCheck(db: Queryable, now: Date): Promise<Check> {
  const failing = (await latestChores(db)).filter((r) => r.state === 'pending' && r.error !== null);
  if (failing.length > 0)
    return {
      ok: 'warn',
      name: 'chores',
      detail: failing
        .map(
          (r) =>
            `${r.name} failed (${r.attempts} attempt${r.attempts === 1 ? '' : 's'} in ${r.period}): ${r.error}; retried with the backoff`,
        )
        .join('; '),
    };
  const prune = (await latestChores(db, { done: true })).find((r) => r.name === 'prune');
  if (!prune)
    return {
      ok: true,
      name: 'chores',
      detail: 'none has run yet (the app, medic watch and the agents run them)',
    };
  const when = prune.finishedAt ?? new Date(prune.period);
  if (now.getTime() - when.getTime() > PRUNE_OVERDUE_MS)
    return {
      ok: 'warn',
      name: 'chores',
      detail: `the daily prune last ran ${when.toISOString()} (by ${prune.worker}): is any app, medic watch or agent running with a role that may prune?`,
    };
  return {
    ok: true,
    name: 'chores',
    detail: `the daily prune last ran ${when.toISOString()} by ${prune.worker}; none failing (medic chores)`,
  };
}
