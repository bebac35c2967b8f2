// Closing an incident: when every target of a /recover came back and the issue carries the
// incident label, say what was recovered and by whom, and close it.
import type { RecoveryResult } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { CommentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from './escape.js';
import type { RepoConfig } from './repo-config.js';

export async function closeIncident(
  deps: { readonly github: GitHubPort },
  event: CommentEvent,
  config: RepoConfig,
  results: readonly RecoveryResult[],
): Promise<boolean> {
  const { issue, comment } = event;
  if (!config.close_on_recovery || issue.state !== 'open') return false;
  if (!issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase())) return false;
  const list = results
    .map((r) => `- \`${r.workspace.container}\`: ${r.outcome} (run \`${r.runId}\`)`)
    .join('\n');
  await deps.github.createComment(
    issue.number,
    `🩺 Every workspace named is back. Recovered by @${escapeInline(comment.author, 40)} with medic:\n\n${list}\n\nClosing this incident.`,
  );
  await deps.github.closeIssue(issue.number);
  return true;
}
