// Closing an incident: when every target of a /recover came back and the issue carries the
// incident label, the status comment says what was recovered and by whom (one write, folded
// into the result), and the issue is closed with one request.
import type { RecoveryResult } from '../core/index.js';
import type { CommentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from '../markdown/escape.js';
import type { RepoConfig } from './repo-config.js';

/** The note that closes the incident, or null when this comment should not close it. */
export function closingNote(
  event: CommentEvent,
  config: RepoConfig,
  results: readonly RecoveryResult[],
): string | null {
  const { issue, comment } = event;
  if (!config.close_on_recovery || issue.state !== 'open') return null;
  if (!issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase())) return null;
  if (results.length === 0 || !results.every((r) => r.outcome === 'recovered' || r.outcome === 'healthy'))
    return null;
  const list = results
    .map((r) => `- \`${r.workspace.container}\`: ${r.outcome} (run \`${r.runId}\`)`)
    .join('\n');
  return `🩺 Every workspace named is back. Recovered by @${escapeInline(comment.author, 40)} with medic:\n\n${list}\n\n${timeline(event, results)}\n\nClosing this incident.`;
}

/** First seen, the incident, the command, recovered, closed: each with its time (UTC). */
function timeline(event: CommentEvent, results: readonly RecoveryResult[]): string {
  const at = (iso: string | null | undefined) =>
    iso ? new Date(iso).toISOString().slice(0, 19).replace('T', ' ') : null;
  const seen = results
    .map((r) => r.detectedAt)
    .filter((x): x is string => Boolean(x))
    .sort()[0];
  const back = results
    .map((r) => r.finishedAt)
    .sort()
    .at(-1);
  const rows = [
    ['first seen', at(seen)],
    ['incident opened', at(event.issue.createdAt)],
    [`\`${'/recover'}\` by @${escapeInline(event.comment.author, 40)}`, at(event.comment.createdAt)],
    ['recovered', at(back)],
    ['closed', at(new Date().toISOString())],
  ].filter((r): r is [string, string] => r[1] !== null);
  return ['| timeline (UTC) | |', '|---|---|', ...rows.map(([what, when]) => `| ${what} | ${when} |`)].join(
    '\n',
  );
}
