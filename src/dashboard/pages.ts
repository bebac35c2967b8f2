// The dashboard's pages and their JSON: the overview (with the fleet's engines), a run, a
// workspace's timeline.
import {
  budgetUses,
  budgetView,
  type CoreDeps,
  containerName,
  findWorkspace,
  holdsOf,
  isUuid,
  lastCheck,
  listAtRisk,
  listBreakers,
  listHolds,
  overview,
  parseTarget,
  type RunRow,
  recentRuns,
  regressionsOf,
  runDetail,
  undelivered,
  workspaceHistory,
} from '../core/index.js';
import { engineStatuses, retryingTasks } from '../engines/fleet-status.js';
import { atRiskTable, auditLine, breakerBanner, budgetCell, holdsTable, when } from './cells.js';
import { esc, page, table } from './html.js';
import { waterfall } from './waterfall.js';

export type Rendered = { readonly status: number; readonly html?: string; readonly json?: unknown };

const outcomeCell = (r: { outcome: string | null; state: string; error_code: string | null }) =>
  `<span class="${esc(r.outcome ?? r.state)}">${esc(r.outcome ?? r.state)}</span>${r.error_code ? ` <code>${esc(r.error_code)}</code>` : ''}`;

function runRows(base: string, runs: readonly RunRow[]): string[][] {
  return runs.map((r) => [
    `<a href="${base}/runs/${esc(r.run_id)}"><code>${esc(r.run_id.slice(0, 8))}</code></a>`,
    r.workspace_id
      ? `<a href="${base}/workspaces/${esc(containerName(r.workspace_id))}"><code>${esc(containerName(r.workspace_id))}</code></a>`
      : '–',
    esc(r.command),
    outcomeCell(r),
    esc(r.actor),
    esc(r.source),
    when(r.started_at),
  ]);
}

const RUN_HEADERS = ['run', 'workspace', 'command', 'outcome', 'actor', 'source', 'started (UTC)'];

export async function overviewPage(deps: CoreDeps, base: string, json: boolean): Promise<Rendered> {
  const o = await overview(deps.db);
  const [runs, engines, retrying, holds, unsent, audit, budgets, brakes, atRisk] = await Promise.all([
    recentRuns(deps.db, 50),
    engineStatuses(deps.db),
    retryingTasks(deps.db),
    listHolds(deps.db, { endedWithinMs: 24 * 3600 * 1000 }),
    undelivered(deps.db),
    lastCheck(deps.db),
    budgetUses(
      deps.db,
      o.failing.map((w) => w.id),
      deps.config.restartBudget.windowMs,
    ),
    listBreakers(deps.db),
    listAtRisk(deps.db),
  ]);
  const budgetOf = (id: string) => budgetView(budgets.get(id), deps.config.restartBudget);
  if (json) {
    const failing = o.failing.map((w) => ({ ...w, budget: budgetOf(w.id) }));
    return {
      status: 200,
      json: {
        ...o,
        failing,
        engines,
        retrying,
        runs,
        holds,
        undelivered: unsent,
        audit,
        breakers: brakes,
        atRisk,
      },
    };
  }
  const body = [
    breakerBanner(base, brakes),
    auditLine(audit),
    holdsTable('Holds (live, and ended in the last day)', holds),
    unsent.length === 0
      ? ''
      : table(
          'Notifications not delivered',
          ['sink', 'pending', 'given up (7 days)', 'oldest (UTC)', 'last error'],
          unsent.map((u) => [
            `${u.sink}: ${esc(u.kind)} <code>$${esc(u.urlEnv)}</code>`,
            String(u.pending),
            String(u.failed),
            when(u.oldest),
            esc(u.lastError ?? ''),
          ]),
        ),
    engines.length === 0
      ? '<p>Engines: single-host mode (no <code>medic agent</code> has registered).</p>'
      : table(
          'Engines',
          ['engine', 'agent', 'last heartbeat (UTC)', 'placed', 'tasks queued', 'tasks running'],
          engines.map((e) => [
            esc(e.name),
            `<span class="${e.alive ? 'ok' : 'failed'}">${e.alive ? 'alive' : 'gone'}</span> <code>${esc(e.agent)}</code>`,
            when(new Date(e.lastHeartbeat)),
            String(e.placed),
            String(e.queued),
            String(e.running),
          ]),
        ),
    ...(retrying.length === 0
      ? []
      : [
          table(
            'Tasks to be tried again',
            ['task', 'workspace', 'engine', 'attempts', 'next try (UTC)', 'why'],
            retrying.map((t) => [
              String(t.id),
              `<code>${esc(t.target)}</code>`,
              esc(t.engine),
              String(t.attempts),
              when(new Date(t.nextTry)),
              esc(t.why ?? ''),
            ]),
          ),
        ]),
    table(
      'Workspaces by status',
      ['status', 'workspaces'],
      o.byStatus.map((s) => [esc(s.status), String(s.n)]),
    ),
    atRiskTable(base, atRisk),
    table(
      'Failing now',
      ['workspace', 'name', 'runtime', 'restart budget'],
      o.failing.map((w) => [
        `<a href="${base}/workspaces/${esc(containerName(w.id))}"><code>${esc(containerName(w.id))}</code></a>`,
        esc(w.name),
        esc(w.runtime),
        budgetCell(budgetOf(w.id)),
      ]),
    ),
    `<p>Leases held now: <strong>${o.leases}</strong>. Jobs: ${o.jobs.map((j) => `${esc(j.state)} ${j.n}`).join(', ') || 'none queued'}.</p>`,
    table('Recent runs', RUN_HEADERS, runRows(base, runs)),
  ].join('');
  return { status: 200, html: page(base, 'Workspaces and runs', body) };
}

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
