// What a sink receives. The generic webhook: the event's object as JSON (for a run, its result
// object), signed like GitHub's webhooks. Slack: one readable message with the workspace, the
// outcome, the code, the steps and links to the issue and the dashboard's run page.
import { createHmac } from 'node:crypto';
import { containerName, type OutboxRow } from '../core/index.js';

export const SIGNATURE_HEADER = 'x-medic-signature-256';

/** `sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs its webhooks. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A URL with its path cut: what may be shown (a Slack webhook's path is its secret). */
export function cutUrl(url: string | undefined): string {
  if (!url) return '(unset)';
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

interface ResultLike {
  readonly runId?: string;
  readonly command?: string;
  readonly outcome?: string;
  readonly actor?: string;
  readonly source?: string;
  readonly workspace?: { readonly container?: string; readonly runtime?: string | null };
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly steps?: ReadonlyArray<{ readonly name: string; readonly status: string; readonly ms: number }>;
  readonly origin?: { readonly repo: string; readonly issue: number | null } | null;
  readonly regression?: { readonly previousRunId: string; readonly gapS: number } | null;
  /** [pager] The policy's runbook for the workspace's runtime. */
  readonly runbook?: string;
}

interface HoldLike {
  readonly scope?: string;
  readonly holder?: string;
  readonly reason?: string;
  readonly until?: string;
  readonly engine?: string | null;
  readonly workspaceId?: string | null;
}

const HEADLINES: Record<string, string> = {
  'recovery.failed': 'recovery failed',
  'recovery.succeeded': 'recovered',
  'budget.exhausted': 'restart budget exhausted: medic stops retrying',
  regression: 'broke again soon after a recovery',
  'workspace.flapping': 'flapping: keeps breaking soon after each recovery; automatic heals stop for it',
  'workspace.stable': 'stable again: no longer flapping; automatic heals resume for it',
  'workspace.at_risk':
    'at risk: its config volume lost files its last good copy had (the platform may mark it failed next)',
  test: 'a test notification (`medic notify test`)',
};

/**
 * Text from outside (a reason, an actor, an error's message) as Slack shows it and nothing
 * more: `&`, `<` and `>` escaped as Slack's own rules ask, so no `<!channel>`, `<!here>` or
 * disguised `<url|label>` gets through, and every `@` followed by a name broken with a
 * zero-width joiner, so no `@channel`, `@here` or `@someone` pings anyone.
 */
export function slackEscape(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=\w)/g, '@\u2060');
}

/** Slack's incoming-webhook body: `text` (mrkdwn) only, so that every client shows it. */
export function slackMessage(
  row: Pick<OutboxRow, 'event' | 'payload'>,
  dashboardUrl: string | null,
): { text: string } {
  const e = slackEscape;
  const p = row.payload as ResultLike &
    HoldLike & { line?: string; requester?: string; id?: string; repo?: string; issue?: number };
  if (row.event === 'hold.started' || row.event === 'hold.ended') {
    const on =
      p.scope === 'workspace'
        ? p.workspaceId
          ? `workspace \`${containerName(p.workspaceId)}\``
          : 'a workspace'
        : p.scope === 'all'
          ? 'the whole fleet'
          : `engine ${e(p.engine)}`;
    const verb = row.event === 'hold.started' ? 'held' : 'released';
    return {
      text: `🩺 medic: ${on} ${verb} by ${e(p.holder)}${row.event === 'hold.started' ? ` until ${e(p.until)}` : ''}: ${e(p.reason)}`,
    };
  }
  if (row.event === 'approval.requested') {
    return {
      text: `🩺 medic: \`${e(p.line)}\` by ${e(p.requester)} awaits approval (request \`${e(p.id)}\`) on <https://github.com/${e(p.repo)}/issues/${Number(p.issue)}|${e(p.repo)}#${Number(p.issue)}>`,
    };
  }
  if (row.event === 'test') return { text: `🩺 medic: ${HEADLINES.test}` };
  if (row.event.startsWith('breaker.') || row.event === 'heal.paused')
    return { text: breakerText(row, dashboardUrl) };
  if (row.event === 'workspace.stable' || row.event === 'workspace.at_risk') {
    const { container, missing } = row.payload as { container?: string; missing?: string[] };
    const lost = missing?.length
      ? `: ${missing
          .slice(0, 5)
          .map((m) => `\`${e(m)}\``)
          .join(', ')}`
      : '';
    return { text: `🩺 medic: *${e(container ?? 'a workspace')}* ${HEADLINES[row.event]}${lost}` };
  }
  return { text: runText(row.event, p, dashboardUrl) };
}

// A run's event: the workspace, the outcome and error, who asked, the steps, the links.
function runText(event: string, p: ResultLike, dashboardUrl: string | null): string {
  const e = slackEscape;
  const ws = e(p.workspace?.container ?? 'a workspace');
  const lines = [
    `🩺 medic: *${ws}* (${e(p.workspace?.runtime ?? '?')}) ${HEADLINES[event] ?? e(event)}: ${e(p.outcome)}${p.error ? ` \`${e(p.error.code)}\`: ${e(p.error.message)}` : ''}`,
    `${e(p.command)} by ${e(p.actor)} via ${e(p.source)}`,
  ];
  if (p.regression) {
    lines.push(
      `recovered ${Math.round(p.regression.gapS / 60)} min before by run \`${e(p.regression.previousRunId)}\``,
    );
  }
  if (p.steps?.length)
    lines.push(
      p.steps.map((s) => `${s.status === 'failed' ? '✗' : '✓'} ${e(s.name)} ${Number(s.ms)} ms`).join(' · '),
    );
  const links = [
    p.origin?.issue
      ? `<https://github.com/${e(p.origin.repo)}/issues/${Number(p.origin.issue)}|issue>`
      : null,
    dashboardUrl && p.runId
      ? `<${dashboardUrl.replace(/\/$/, '')}/runs/${encodeURIComponent(p.runId)}|run ${e(p.runId.slice(0, 8))}>`
      : null,
    p.runbook && /^https?:\/\/[^\s|<>]+$/.test(p.runbook) ? `<${p.runbook}|runbook>` : null,
  ].filter(Boolean);
  if (links.length > 0) lines.push(links.join(' · '));
  return lines.join('\n');
}

/** How many of a digest's workspaces are named, the rest counted. */
const DIGEST_NAMES = 10;

/**
 * [storm] Several events of one kind for one Slack sink, as one message: how many, the first
 * few workspaces (each with its error code and, with MEDIC_DASHBOARD_URL, a link to its run),
 * and how many more.
 */
export function slackDigest(
  rows: ReadonlyArray<Pick<OutboxRow, 'event' | 'payload'>>,
  dashboardUrl: string | null,
): { text: string } {
  const e = slackEscape;
  const event = rows[0]?.event ?? '';
  const named = rows.slice(0, DIGEST_NAMES).map((row) => {
    const p = row.payload as ResultLike & HoldLike;
    const ws = p.workspace?.container ?? (p.workspaceId ? containerName(p.workspaceId) : 'a workspace');
    const code = p.error ? ` \`${e(p.error.code)}\`` : '';
    const run =
      dashboardUrl && p.runId
        ? ` <${dashboardUrl.replace(/\/$/, '')}/runs/${encodeURIComponent(p.runId)}|run ${e(p.runId.slice(0, 8))}>`
        : '';
    return `• *${e(ws)}*${code}${run}`;
  });
  const more = rows.length > DIGEST_NAMES ? [`and ${rows.length - DIGEST_NAMES} more`] : [];
  return {
    text: [`🩺 medic: ${rows.length} × ${HEADLINES[event] ?? e(event)}`, ...named, ...more].join('\n'),
  };
}

interface BreakerLike {
  readonly scope?: string;
  readonly why?: string | null;
  readonly by?: string;
  readonly reason?: string;
  readonly skipped?: number;
  readonly failed?: number;
  readonly counts?: {
    readonly broken?: number;
    readonly total?: number;
    readonly limit?: number;
    readonly workspaces?: readonly string[];
    readonly wave?: number;
    readonly waveDone?: number;
    readonly waveFailed?: number;
  };
}

/** [storm] A breaker opened or closed, or healing paused: the scope, the counts, the first workspaces. */
function breakerText(row: Pick<OutboxRow, 'event' | 'payload'>, dashboardUrl: string | null): string {
  const e = slackEscape;
  const p = row.payload as BreakerLike;
  const c = p.counts ?? {};
  const scope = e(p.scope ?? '?');
  const where = dashboardUrl ? ` · <${dashboardUrl.replace(/\/$/, '')}/|dashboard>` : '';
  if (row.event === 'breaker.closed') {
    return `🩺 medic: breaker closed in ${scope} by ${e(p.by)}: ${e(p.reason)} (${Number(p.skipped ?? 0)} automatic recoveries had been skipped; the ${Number(p.failed ?? 0)} failed now heal in waves)${where}`;
  }
  const names = (c.workspaces ?? [])
    .slice(0, DIGEST_NAMES)
    .map((w) => `\`${e(w)}\``)
    .join(', ');
  if (row.event === 'heal.paused') {
    return `🩺 medic: healing paused in ${scope}: wave ${Number(c.wave)} had ${Number(c.waveFailed)} of ${Number(c.waveDone)} recoveries fail. Automatic recoveries wait for \`medic breaker close --scope ${scope} --reason …\`${where}`;
  }
  return `🩺 medic: *breaker open* in ${scope}: ${Number(c.broken)} of ${Number(c.total)} workspaces broken at once (limit ${Number(c.limit)}). Automatic recoveries stop there until the count stays under the limit or \`medic breaker close\`.${names ? `\nbroken: ${names}` : ''}${where}`;
}
