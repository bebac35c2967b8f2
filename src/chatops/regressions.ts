// A regression's incident (docs/signal.md): when a workspace that a command from an issue
// recovered breaks again within the window, that issue is reopened with a comment linking both
// runs and the time between them. Claimed in Postgres, so one replica does it once.
import { z } from 'zod';
import { containerName, type Queryable } from '../core/index.js';
import { codeSpan } from '../markdown/escape.js';

export interface RegressionToTell {
  readonly runId: string;
  readonly previousRunId: string;
  readonly gapS: number;
  readonly repo: string;
  readonly issue: number;
  readonly container: string;
  readonly outcome: string | null;
}

/** Claims the regressions whose earlier recovery came from an issue and that were not told yet. */
export async function claimRegressions(db: Queryable): Promise<RegressionToTell[]> {
  const { rows } = await db.query(
    `UPDATE medic.regressions g SET reopened_at = now() FROM medic.runs prev, medic.runs cur
      WHERE g.reopened_at IS NULL AND prev.run_id = g.previous_run_id AND cur.run_id = g.run_id
        AND cur.state = 'finished' AND prev.origin->>'issue' IS NOT NULL
      RETURNING g.run_id::text AS run_id, g.previous_run_id::text AS previous_run_id, g.gap_s,
                prev.origin->>'repo' AS repo, (prev.origin->>'issue')::int AS issue,
                g.workspace_id::text AS workspace_id, cur.outcome`,
  );
  return z
    .array(
      z.object({
        run_id: z.string(),
        previous_run_id: z.string(),
        gap_s: z.number(),
        repo: z.string(),
        issue: z.number(),
        workspace_id: z.string(),
        outcome: z.string().nullable(),
      }),
    )
    .parse(rows)
    .map((r) => ({
      runId: r.run_id,
      previousRunId: r.previous_run_id,
      gapS: r.gap_s,
      repo: r.repo,
      issue: r.issue,
      container: containerName(r.workspace_id),
      outcome: r.outcome,
    }));
}

/** Gives a claim back (the issue could not be reopened now): the next look tries again. */
export async function unclaimRegression(db: Queryable, runId: string): Promise<void> {
  await db.query('UPDATE medic.regressions SET reopened_at = NULL WHERE run_id = $1::uuid', [runId]);
}

function gap(s: number): string {
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} minutes` : `${Math.round(s / 3600)} hours`;
}

export function regressionComment(r: RegressionToTell, dashboardUrl: string | null): string {
  const run = (id: string) =>
    dashboardUrl
      ? `[${codeSpan(id.slice(0, 8))}](${dashboardUrl.replace(/\/$/, '')}/runs/${id})`
      : codeSpan(id);
  return [
    `🩺 **regression**: ${codeSpan(r.container)} broke again ${gap(r.gapS)} after run ${run(r.previousRunId)} recovered it.`,
    `Run ${run(r.runId)} ${r.outcome === 'recovered' ? 'recovered it again' : `ended ${r.outcome ?? 'unfinished'}`}. Reopening this incident: the cause is still there.`,
  ].join('\n');
}
