// The dashboard's pages and their JSON: a run, a workspace's timeline (the overview is
// overview-page.ts).
import {
  budgetUses,
  budgetView,
  type CoreDeps,
  containerName,
  findWorkspace,
  holdsOf,
  isUuid,
  parseTarget,
  regressionsOf,
  runDetail,
  workspaceHistory,
} from '../core/index.js';
import { budgetCell, holdsTable, outcomeCell, when } from './cells.js';
import { esc, page, table } from './html.js';
import { waterfall } from './waterfall.js';

export type Rendered = { readonly status: number; readonly html?: string; readonly json?: unknown };

export async function runPage(deps: CoreDeps, base: string, runId: string, json: boolean): Promise<Rendered> {
  const run = isUuid(runId) ? await runDetail(deps.db, runId.toLowerCase()) : null;
  if (!run) return notFound(base, json, `no run ${runId}`);
  if (json) return { status: 200, json: run };
  const steps = table(
    'Steps',
    ['step', 'status', 'ms', 'detail'],
    run.steps.map((s) => [
      esc(s.name),
      `<span class="${esc(s.status)}">${esc(s.status)}</span>`,
      String(s.ms),
      esc(s.detail),
    ]),
  );
  const snapshot = run.snapshot
    ? `<p>Snapshot kept: ${run.snapshot.bytes} bytes, <code>${esc(run.snapshot.digest)}</code>. Undo with <code>medic rollback ${esc(run.run_id)}</code>.</p>`
    : '<p>No snapshot was taken in this run.</p>';
  const body = [
    `<p>${esc(run.command)} ${outcomeCell(run)} by <strong>${esc(run.actor)}</strong> via ${esc(run.source)}${run.reason ? `: ${esc(run.reason)}` : ''}; started ${when(run.started_at)}, finished ${when(run.finished_at)}.</p>`,
    waterfall(run.steps, run.started_at),
    steps,
    snapshot,
  ].join('');
  return { status: 200, html: page(base, `Run ${run.run_id}`, body) };
}

export async function workspacePage(
  deps: CoreDeps,
  base: string,
  target: string,
  json: boolean,
): Promise<Rendered> {
  let workspace: Awaited<ReturnType<typeof findWorkspace>>;
  try {
    workspace = await findWorkspace(deps.db, parseTarget(target));
  } catch {
    return notFound(base, json, `no workspace ${target}`);
  }
  const [runs, holds, regressions, used] = await Promise.all([
    workspaceHistory(deps.db, workspace.id, 100),
    holdsOf(deps.db, workspace.id),
    regressionsOf(deps.db, workspace.id),
    budgetUses(deps.db, [workspace.id], deps.config.restartBudget.windowMs),
  ]);
  const budget = budgetView(used.get(workspace.id), deps.config.restartBudget);
  if (json) return { status: 200, json: { workspace, runs, holds, regressions, budget } };
  const rows = runs.map((r) => [
    `<a href="${base}/runs/${esc(r.run_id)}"><code>${esc(r.run_id.slice(0, 8))}</code></a>`,
    esc(r.command),
    outcomeCell(r),
    esc(r.actor),
    esc(r.source),
    esc(r.reason),
    when(r.started_at),
  ]);
  const body = [
    `<p>Status <strong>${esc(workspace.status)}</strong>, runtime ${esc(workspace.runtime)}, id <code>${esc(workspace.id)}</code>. Restart budget: ${budgetCell(budget)}.</p>`,
    regressions.length === 0
      ? ''
      : `<p class="failed"><strong>Regressed ${regressions.length} time${regressions.length > 1 ? 's' : ''}</strong>: broken again soon after a recovery.</p>${table(
          'Regressions, newest first',
          ['run', 'after run', 'broken again after', 'at (UTC)'],
          regressions.map((r) => [
            `<a href="${base}/runs/${esc(r.runId)}"><code>${esc(r.runId.slice(0, 8))}</code></a>`,
            `<a href="${base}/runs/${esc(r.previousRunId)}"><code>${esc(r.previousRunId.slice(0, 8))}</code></a>`,
            `${Math.round(r.gapS / 60)} min`,
            when(r.at),
          ]),
        )}`,
    holdsTable('Holds, newest first', holds),
    table(
      'Runs, newest first (refusals included)',
      ['run', 'command', 'outcome', 'actor', 'source', 'reason', 'started (UTC)'],
      rows,
    ),
  ].join('');
  return {
    status: 200,
    html: page(base, `${containerName(workspace.id)} ${workspace.name ?? ''}`.trim(), body),
  };
}

function notFound(base: string, json: boolean, message: string): Rendered {
  return json
    ? { status: 404, json: { error: message } }
    : { status: 404, html: page(base, 'Not found', `<p>${esc(message)}</p>`) };
}
