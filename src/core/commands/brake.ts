// [storm] The fleet's brake as operators use it: `medic breaker close`, the chores every
// watcher and agent runs with its sweep (a breaker under its limit for close_after closes by
// itself; a flapping workspace healthy again is said to be stable), and the state `medic
// status`, the dashboard and the metrics show.
import type { CoreDeps } from '../model/deps.js';
import { InvalidConfigError } from '../model/errors.js';
import { emit } from '../run/signals.js';
import {
  type Breaker,
  breakerTick,
  type ClosedBreaker,
  closeBreakers,
  listBreakers,
  markStable,
  stillFlapping,
} from '../store/breaker-store.js';
import { flappingAmong } from '../store/flapping-store.js';
import { findWorkspace } from '../store/workspace-store.js';

export type { Breaker, ClosedBreaker };

/** `fleet`, `engine:<name>`, `runtime:<name>` or `class:<failure class>`, as the breakers are keyed. */
const SCOPE = /^(fleet|(engine|runtime|class):[A-Za-z0-9._-]{1,63})$/;

/**
 * An operator closes the breaker of `scope` (every open or paused one without it), with a
 * reason; the workspaces broken then heal in waves, and no longer count towards opening it.
 */
export async function closeBreaker(
  deps: CoreDeps,
  o: { readonly scope: string | null; readonly by: string; readonly reason: string },
): Promise<ClosedBreaker[]> {
  if (o.scope !== null && !SCOPE.test(o.scope)) {
    throw new InvalidConfigError(`--scope ${JSON.stringify(o.scope)} names no scope`, {
      hint: 'fleet, engine:<name>, runtime:<name> or class:<name>, as `medic breaker` lists them',
    });
  }
  if (o.reason.trim() === '') {
    throw new InvalidConfigError('closing a breaker needs a reason', { hint: '--reason TEXT' });
  }
  const closed = await closeBreakers(deps.db, o.scope, o.by, o.reason.trim());
  for (const c of closed)
    await emit(deps, 'breaker.closed', { ...c, by: o.by, reason: o.reason.trim() }, null);
  return closed;
}

/** The breakers, open and paused first, with the workspaces each skipped. */
export function breakers(deps: CoreDeps): Promise<Breaker[]> {
  return listBreakers(deps.db);
}

/**
 * With each sweep: open breakers under their limit for close_after close (and say so), and
 * each workspace said to be flapping that no longer is and is online is said to be stable
 * (once, whichever process sees it first).
 */
export async function brakeChores(deps: CoreDeps): Promise<void> {
  for (const c of await breakerTick(deps.db)) {
    deps.logger.info(
      { scope: c.scope, skipped: c.skipped },
      `breaker: closed in ${c.scope}, under its limit`,
    );
    await emit(
      deps,
      'breaker.closed',
      { ...c, by: 'medic', reason: 'under the limit for close_after' },
      null,
    );
  }
  const ids = await stillFlapping(deps.db);
  if (ids.length === 0) return;
  const flapping = await flappingAmong(deps.db, ids, deps.config.regressionWindowMs);
  for (const id of ids.filter((i) => !flapping.has(i))) {
    const row = await findWorkspace(deps.db, { input: id, idPrefix: id, exact: true }).catch(() => null);
    if (row?.status !== 'online' || !(await markStable(deps.db, id))) continue;
    await emit(deps, 'workspace.stable', { workspace: row, container: `ws-${id.slice(0, 12)}` }, row);
  }
}
