// Small pieces the dashboard's pages share: a budget, the audit line, a holds table, the breaker banner, the workspaces at risk, the runs' rows.
import {
  type AtRisk,
  type AuditCheck,
  type Breaker,
  type BudgetView,
  containerName,
  type Hold,
  holdSubject,
  type RunRow,
} from '../core/index.js';
import { esc, table } from './html.js';

export const when = (d: Date | null) => (d ? esc(d.toISOString().replace('T', ' ').slice(0, 19)) : '–');

/** "1 of 3 used per 1h, frees 12:40 UTC", red when spent. */
export function budgetCell(b: BudgetView): string {
  const text = `${b.used} of ${b.max} used per ${esc(b.window)}${b.frees ? `, frees ${when(new Date(b.frees))} UTC` : ''}`;
  return b.used >= b.max ? `<span class="failed">spent: ${text}</span>` : text;
}

/** When the trail's seals were last walked (`medic audit verify`), and what it found. */
export function auditLine(check: AuditCheck | null): string {
  if (!check) return '<p>Audit trail: never verified. Run <code>medic audit verify</code>.</p>';
  const found = check.ok
    ? `<span class="ok">intact</span> (${check.sealed} sealed runs)`
    : `<span class="failed">altered</span>${check.firstBad ? ` at run <code>${esc(check.firstBad)}</code>` : ''}: ${esc(check.problem ?? '')}`;
  return `<p>Audit trail: last verified ${when(check.at)} UTC by <code>medic audit verify</code>: ${found}.</p>`;
}

/** Holds as a table (nothing when there are none): what, who, why, until, how it ended. */
export function holdsTable(title: string, holds: readonly Hold[]): string {
  if (holds.length === 0) return '';
  const now = Date.now();
  return table(
    title,
    ['on', 'holder', 'reason', 'from (UTC)', 'until (UTC)', 'ended'],
    holds.map((h) => [
      `<code>${esc(holdSubject(h))}</code>`,
      `${esc(h.holder)} via ${esc(h.source)}`,
      esc(h.reason),
      when(h.createdAt),
      when(h.until),
      h.endedAt
        ? `${when(h.endedAt)} by ${esc(h.endedBy ?? '')}: ${esc(h.endNote ?? '')}`
        : h.until.getTime() <= now
          ? 'ran out'
          : '<span class="warn">live</span>',
    ]),
  );
}

/**
 * [storm] A banner at the top of the overview for each breaker open or paused: what it
 * counted, since when, the workspaces it skipped, and how to close it.
 */
export function breakerBanner(base: string, list: readonly Breaker[]): string {
  return list
    .filter((b) => b.state !== 'closed')
    .map((b) => {
      const c = b.counts;
      const what =
        b.state === 'open'
          ? `Breaker open in ${esc(b.scope)}: ${c?.broken} of ${c?.total} workspaces broken at once (limit ${c?.limit})`
          : `Healing paused in ${esc(b.scope)}: wave ${c?.wave} had ${c?.waveFailed} of ${c?.waveDone} recoveries fail`;
      const skipped = b.skips
        .map(
          (s) =>
            `<li><a href="${base}/workspaces/${esc(containerName(s.workspaceId))}"><code>${esc(containerName(s.workspaceId))}</code></a> ×${s.times}</li>`,
        )
        .join('');
      return `<section class="breaker" role="alert" aria-label="breaker ${esc(b.scope)}"><h2>${what}</h2>
<p>Since ${when(b.openedAt ?? new Date(0))} UTC the watcher, the agents, sweeps and the API (without force) start no recovery there: ${b.skipped} skipped. A person can still recover a workspace. When the cause is fixed: <code>medic breaker close --scope ${esc(b.scope)} --reason "…"</code> (the rest then heal in waves).</p>
${skipped ? `<p>Skipped:</p><ul>${skipped}</ul>` : ''}</section>`;
    })
    .join('');
}

/** [keep] The workspaces at risk (their volume lost files their last good copy had), if any. */
export function atRiskTable(base: string, atRisk: readonly AtRisk[]): string {
  if (atRisk.length === 0) return '';
  return table(
    'At risk: lost files their last good copy had (the platform has not marked them failed)',
    ['workspace', 'since (UTC)', 'lost'],
    atRisk.map((r) => [
      `<a href="${base}/workspaces/${esc(containerName(r.workspaceId))}"><code>${esc(containerName(r.workspaceId))}</code></a>`,
      when(r.since),
      esc(
        `${r.missing.slice(0, 5).join(', ')}${r.missing.length > 5 ? ` and ${r.missing.length - 5} more` : ''}`,
      ),
    ]),
  );
}

export const outcomeCell = (r: { outcome: string | null; state: string; error_code: string | null }) =>
  `<span class="${esc(r.outcome ?? r.state)}">${esc(r.outcome ?? r.state)}</span>${r.error_code ? ` <code>${esc(r.error_code)}</code>` : ''}`;

export function runRows(base: string, runs: readonly RunRow[]): string[][] {
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

export const RUN_HEADERS = ['run', 'workspace', 'command', 'outcome', 'actor', 'source', 'started (UTC)'];
