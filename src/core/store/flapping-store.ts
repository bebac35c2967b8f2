// [storm] Flapping: a workspace that broke again within MEDIC_REGRESSION_WINDOW of a recovery
// the policy's `autoheal.flapping_after` times (3 unless it says otherwise). Read from the regressions recorded
// (signals.ts), so it needs no state of its own: it ends by itself as they leave the window.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { durationText } from '../model/settings-values.js';
import { currentPolicy } from '../store/policy-store.js';

/** The policy's `autoheal.flapping_after` when none is applied, or it says nothing. */
export const DEFAULT_FLAPPING_AFTER = 3;

export interface Flapping {
  /** Regressions within the window. */
  readonly regressions: number;
  /** The policy's threshold. */
  readonly after: number;
  readonly flapping: boolean;
}

/** Whether `workspaceId` is flapping now: its regressions within the window, against the threshold. */
export async function flappingOf(db: Queryable, workspaceId: string, windowMs: number): Promise<Flapping> {
  const { after, counts } = await regressionsWithin(db, [workspaceId], windowMs);
  const regressions = counts.get(workspaceId) ?? 0;
  return { regressions, after, flapping: regressions >= after };
}

/** Of these workspaces, the ones flapping now. */
export async function flappingAmong(
  db: Queryable,
  workspaceIds: readonly string[],
  windowMs: number,
): Promise<Map<string, Flapping>> {
  if (workspaceIds.length === 0) return new Map();
  const { after, counts } = await regressionsWithin(db, workspaceIds, windowMs);
  return new Map(
    [...counts]
      .filter(([, n]) => n >= after)
      .map(([id, n]) => [id, { regressions: n, after, flapping: true }]),
  );
}

/** How a flapping workspace is described (a watcher's skip, a budget's refusal). */
export function describeFlapping(f: Flapping, windowMs: number): string {
  return `flapping: broke again ${f.regressions} times within ${durationText(windowMs)} of a recovery (policy autoheal.flapping_after ${f.after})`;
}

/** The policy's threshold, and each workspace's regressions within the window (absent: none). */
async function regressionsWithin(
  db: Queryable,
  workspaceIds: readonly string[],
  windowMs: number,
): Promise<{ readonly after: number; readonly counts: Map<string, number> }> {
  const [stored, counted] = await Promise.all([
    currentPolicy(db),
    db.query(
      `SELECT workspace_id::text AS id, count(*)::int AS n FROM medic.regressions
        WHERE workspace_id = ANY($1::uuid[]) AND at > now() - make_interval(secs => $2) GROUP BY 1`,
      [[...workspaceIds], windowMs / 1000],
    ),
  ]);
  const rows = z.array(z.object({ id: z.string(), n: z.number() })).parse(counted.rows);
  return {
    after: stored?.policy.autoheal.flapping_after ?? DEFAULT_FLAPPING_AFTER,
    counts: new Map(rows.map((r) => [r.id, r.n])),
  };
}
