// The dashboard's overview and its JSON (`/api/overview`): breakers, the audit line, holds,
// undelivered notifications, the fleet's engines and its tasks to be tried again, workspaces by
// status, at risk and failing, and the recent runs.
import {
  budgetUses,
  budgetView,
  type CoreDeps,
  containerName,
  lastCheck,
  listAtRisk,
  listBreakers,
  listHolds,
  overview,
  recentRuns,
  undelivered,
} from '../core/index.js';
import {
  type EngineStatus,
  engineStatuses,
  type RetryingTask,
  retryingTasks,
} from '../engines/fleet-status.js';
import {
  atRiskTable,
  auditLine,
  breakerBanner,
  budgetCell,
  holdsTable,
  RUN_HEADERS,
  runRows,
  when,
} from './cells.js';
import { esc, page, table } from './html.js';
import type { Rendered } from './pages.js';

export async function overviewPage(deps: CoreDeps, base: string, json: boolean): Promise<Rendered> {
  const o = await overviewOf(deps);
  const failing = o.failing.map((w) => ({
    ...w,
    budget: budgetView(o.budgets.get(w.id), deps.config.restartBudget),
  }));
  if (json) {
    const { budgets: _budgets, ...rest } = o;
    return { status: 200, json: { ...rest, failing } };
  }
  const body = [
    breakerBanner(base, o.breakers),
    auditLine(o.audit),
    holdsTable('Holds (live, and ended in the last day)', o.holds),
    unsentTable(o.undelivered),
    enginesTable(o.engines),
    retryingTable(o.retrying),
    table(
      'Workspaces by status',
      ['status', 'workspaces'],
      o.byStatus.map((s) => [esc(s.status), String(s.n)]),
    ),
    atRiskTable(base, o.atRisk),
    table(
      'Failing now',
      ['workspace', 'name', 'runtime', 'restart budget'],
      failing.map((w) => [
        `<a href="${base}/workspaces/${esc(containerName(w.id))}"><code>${esc(containerName(w.id))}</code></a>`,
        esc(w.name),
        esc(w.runtime),
        budgetCell(w.budget),
      ]),
    ),
    `<p>Leases held now: <strong>${o.leases}</strong>. Jobs: ${o.jobs.map((j) => `${esc(j.state)} ${j.n}`).join(', ') || 'none queued'}.</p>`,
    table('Recent runs', RUN_HEADERS, runRows(base, o.runs)),
  ].join('');
  return { status: 200, html: page(base, 'Workspaces and runs', body) };
}

// Everything the overview shows, read at once (the JSON's fields, and the failing workspaces' budgets).
async function overviewOf(deps: CoreDeps) {
  const o = await overview(deps.db);
  const [runs, engines, retrying, holds, unsent, audit, budgets, breakers, atRisk] = await Promise.all([
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
  return { ...o, engines, retrying, runs, holds, undelivered: unsent, audit, breakers, atRisk, budgets };
}

function unsentTable(unsent: Awaited<ReturnType<typeof undelivered>>): string {
  if (unsent.length === 0) return '';
  return table(
    'Notifications not delivered',
    ['sink', 'pending', 'given up (7 days)', 'oldest (UTC)', 'last error'],
    unsent.map((u) => [
      `${u.sink}: ${esc(u.kind)} <code>$${esc(u.urlEnv)}</code>`,
      String(u.pending),
      String(u.failed),
      when(u.oldest),
      esc(u.lastError ?? ''),
    ]),
  );
}

function enginesTable(engines: readonly EngineStatus[]): string {
  if (engines.length === 0)
    return '<p>Engines: single-host mode (no <code>medic agent</code> has registered).</p>';
  return table(
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
  );
}

function retryingTable(retrying: readonly RetryingTask[]): string {
  if (retrying.length === 0) return '';
  return table(
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
  );
}
