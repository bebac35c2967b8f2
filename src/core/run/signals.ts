// What a run tells the outside world (docs/signal.md): events for the operator's sinks written
// to the outbox with the result (never delivered here, so never slowing or failing a run), and
// regressions: a workspace a recovery fixed that needed fixing again within the window.
import type { CoreDeps } from '../model/deps.js';
import type { Queryable } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import { type MedicEvent, runbookFor, selects, sinkTarget } from '../policy/policy.js';
import { markFlapping } from '../store/breaker-store.js';
import { flappingOf } from '../store/flapping-store.js';
import { enqueueEvent } from '../store/outbox-store.js';
import { pagerKey, pagerWants } from '../store/pager-store.js';
import { currentPolicy } from '../store/policy-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import type { ResultDraft } from './result-draft.js';

/**
 * Writes `event` to the outbox for every sink of the policy that asks for it (and whose
 * selector takes the workspace). A failure to write it is logged, never thrown.
 */
export async function emit(
  deps: Pick<CoreDeps, 'db' | 'logger'>,
  event: MedicEvent | 'test',
  payload: unknown,
  workspace: Pick<WorkspaceRow, 'id' | 'name' | 'runtime'> | null,
  o: { readonly sinks?: readonly number[]; readonly parked?: boolean } = {},
): Promise<string[]> {
  try {
    const stored = await currentPolicy(deps.db);
    const sinks = (stored?.policy.notify ?? [])
      .map((sink, i) => ({ index: i + 1, sink }))
      .filter(({ index, sink }) =>
        event === 'test'
          ? !o.sinks || o.sinks.includes(index)
          : sink.events.includes(event) &&
            !(sink.failures_only && event === 'recovery.succeeded') &&
            (!sink.workspaces || (workspace !== null && selects({ workspaces: sink.workspaces }, workspace))),
      );
    // [pager] An on-call service hears of an alert's start and end only (pager-store.ts).
    const key = pagerKey(payload, workspace);
    const wanted = [];
    for (const s of sinks) {
      const { kind } = sinkTarget(s.sink);
      const pager = kind === 'pagerduty' || kind === 'opsgenie';
      if (
        !pager ||
        event === 'test' ||
        (await pagerWants(deps.db, { index: s.index, kind }, event, key, payload))
      )
        wanted.push(s);
    }
    const runbook = stored ? runbookFor(stored.policy, workspace?.runtime) : null;
    return wanted.length > 0
      ? await enqueueEvent(deps.db, wanted, event, payload, {
          parked: o.parked ?? false,
          runbook,
          pagerKey: key,
        })
      : [];
  } catch (error) {
    deps.logger.warn({ event, err: (error as Error).message }, 'could not write a notification');
    return [];
  }
}

/** Before a recovery's result is closed: the earlier recovery it follows within the window, if any. */
export async function noteRegression(
  deps: CoreDeps,
  session: Queryable,
  draft: ResultDraft,
  workspaceId: string,
): Promise<void> {
  if (draft.command !== 'recover' || draft.options.dryRun) return;
  const { rows } = await session.query(
    `SELECT run_id::text AS run_id, extract(epoch FROM now() - finished_at)::int AS gap_s FROM medic.runs
      WHERE workspace_id = $1::uuid AND run_id <> $2::uuid AND command = 'recover' AND outcome = 'recovered'
        AND finished_at > now() - make_interval(secs => $3) ORDER BY finished_at DESC LIMIT 1`,
    [workspaceId, draft.runId, deps.config.regressionWindowMs / 1000],
  );
  const previous = rows[0] as { run_id: string; gap_s: number } | undefined;
  if (previous) draft.regression({ previousRunId: previous.run_id, gapS: previous.gap_s });
}

/** After the run is stored: its events, and the regression's record. */
export async function afterRun(
  deps: CoreDeps,
  result: RecoveryResult,
  workspace: WorkspaceRow,
): Promise<void> {
  const { regression } = result;
  const needed = result.outcome === 'recovered' || result.outcome === 'failed';
  if (regression && needed) {
    await deps.db
      .query(
        `INSERT INTO medic.regressions (run_id, previous_run_id, workspace_id, gap_s) VALUES ($1::uuid, $2::uuid, $3::uuid, $4)
         ON CONFLICT DO NOTHING`,
        [result.runId, regression.previousRunId, workspace.id, regression.gapS],
      )
      .catch((error: unknown) =>
        deps.logger.warn({ err: (error as Error).message }, 'could not record a regression'),
      );
    await emit(deps, 'regression', result, workspace);
    // [storm] The regression that makes it flapping is said once, as it crosses the threshold.
    const f = await flappingOf(deps.db, workspace.id, deps.config.regressionWindowMs).catch(() => null);
    if (f && f.regressions === f.after) {
      await markFlapping(deps.db, workspace.id).catch((error: unknown) =>
        deps.logger.warn({ err: (error as Error).message }, 'could not record a flapping workspace'),
      );
      await emit(deps, 'workspace.flapping', { ...result, flapping: f }, workspace);
    }
  }
  const event: MedicEvent | null =
    result.error?.code === 'RESTART_BUDGET_EXCEEDED'
      ? 'budget.exhausted'
      : result.outcome === 'failed'
        ? 'recovery.failed'
        : result.outcome === 'recovered'
          ? 'recovery.succeeded'
          : null;
  if (event) await emit(deps, event, result, workspace);
}
