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
  return `🩺 Every workspace named is back. Recovered by @${escapeInline(comment.author, 40)} with medic:\n\n${list}\n\nClosing this incident.`;
}
