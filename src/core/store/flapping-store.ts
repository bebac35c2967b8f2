// [storm] Flapping: a workspace that broke again within MEDIC_REGRESSION_WINDOW of a recovery
// the policy's `autoheal.flapping_after` times (3 unless it says otherwise). Read from the regressions recorded
// (signals.ts), so it needs no state of its own: it ends by itself as they leave the window.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { currentPolicy } from '../policy/policy-store.js';

/** The policy's `autoheal.flapping_after` when none is applied, or it says nothing. */
export const DEFAULT_FLAPPING_AFTER = 3;

export interface Flapping {
  /** Regressions within the window. */
  readonly regressions: number;
  /** The policy's threshold. */
  readonly after: number;
  readonly flapping: boolean;
}

export async function flappingOf(db: Queryable, workspaceId: string, windowMs: number): Promise<Flapping> {
  const [stored, counted] = await Promise.all([
    currentPolicy(db),
    db.query(
      `SELECT count(*)::int AS n FROM medic.regressions
        WHERE workspace_id = $1::uuid AND at > now() - make_interval(secs => $2)`,
      [workspaceId, windowMs / 1000],
    ),
  ]);
  const after = stored?.policy.autoheal.flapping_after ?? DEFAULT_FLAPPING_AFTER;
  const regressions = z.array(z.object({ n: z.number() })).parse(counted.rows)[0]?.n ?? 0;
  return { regressions, after, flapping: regressions >= after };
}

/** How a flapping workspace is described (a watcher's skip, a budget's refusal). */
export function describeFlapping(f: Flapping, window: string): string {
  return `flapping: broke again ${f.regressions} times within ${window} of a recovery (policy autoheal.flapping_after ${f.after})`;
}

/** A window in the largest whole unit (`24h`, `90m`, `45s`). */
export function windowText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Of these workspaces, the ones flapping now (their regressions within the window, the threshold). */
export async function flappingAmong(
  db: Queryable,
  workspaceIds: readonly string[],
  windowMs: number,
): Promise<Map<string, Flapping>> {
  if (workspaceIds.length === 0) return new Map();
  const [stored, counted] = await Promise.all([
    currentPolicy(db),
    db.query(
      `SELECT workspace_id::text AS id, count(*)::int AS n FROM medic.regressions
        WHERE workspace_id = ANY($1::uuid[]) AND at > now() - make_interval(secs => $2) GROUP BY 1`,
      [[...workspaceIds], windowMs / 1000],
    ),
  ]);
  const after = stored?.policy.autoheal.flapping_after ?? DEFAULT_FLAPPING_AFTER;
  return new Map(
    z
      .array(z.object({ id: z.string(), n: z.number() }))
      .parse(counted.rows)
      .filter((r) => r.n >= after)
      .map((r) => [r.id, { regressions: r.n, after, flapping: true }]),
  );
}
