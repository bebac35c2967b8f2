// Optionally tells a GitHub repository about automatic recoveries: when one fails, it opens
// an incident issue for the workspace (or comments on the open one); when a later one
// succeeds, it comments and closes that issue. Rendered like the app's status comments, and
// written through the same GitHub port.

import type { Logger, RecoveryResult } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import { autolink, jsonForHtmlComment } from '../markdown/escape.js';
import { resultTable } from '../markdown/render-status.js';

export interface IncidentHook {
  report(result: RecoveryResult): Promise<void>;
}

export const noIncidentHook: IncidentHook = { report: async () => {} };

export function githubIncidentHook(
  github: GitHubPort,
  label: string,
  logger: Logger,
  runbookOf: (runtime: string | null) => Promise<string | null> = async () => null,
): IncidentHook {
  return {
    async report(r) {
      try {
        const runbook = await runbookOf(r.workspace.runtime).catch(() => null);
        await reportTo(github, label, r, runbook ? autolink(runbook) : null);
      } catch (error) {
        // The recovery stands either way; the issue is a notification.
        logger.error(
          { runId: r.runId, err: (error as Error).message },
          'could not update the incident issue',
        );
      }
    },
  };
}

// A failure opens the workspace's incident (or comments on the open one); a recovery comments
// and closes it; a regression with no incident open reopens the one that was closed.
async function reportTo(
  github: GitHubPort,
  label: string,
  r: RecoveryResult,
  link: string | null,
): Promise<void> {
  const container = r.workspace.container;
  const open = await github.findOpenIssue(label, container);
  if (r.regression && open === null && (await reopenRegressed(github, label, r, link))) return;
  if (r.outcome === 'failed') {
    const text = body(
      `🩺 medic could not recover \`${container}\` automatically: \`${r.error?.code ?? 'unknown'}\`.`,
      r,
      link,
    );
    if (open !== null) await github.createComment(open, text);
    else
      await github.createIssue(
        `${container}: automatic recovery failed`,
        `${text}\n\nComment \`/recover ${container}\` to retry.`,
        [label],
      );
  } else if (r.outcome === 'recovered' && open !== null) {
    await github.createComment(
      open,
      body(`🩺 medic recovered \`${container}\` automatically. Closing.`, r, link),
    );
    await github.closeIssue(open);
  }
}

const body = (intro: string, r: RecoveryResult, link: string | null) =>
  [
    intro,
    '',
    ...resultTable([r]),
    ...(link && r.outcome === 'failed' ? ['', `📖 Runbook: ${link}`] : []),
    '',
    `<!-- medic:result ${jsonForHtmlComment(r)} -->`,
  ].join('\n');

/**
 * A workspace broken again within the window of the recovery that closed its incident: that
 * incident is reopened with both runs and the time between them, and left open (the cause is
 * still there). False when there is no closed incident of it to reopen (asked only when none
 * is open).
 */
async function reopenRegressed(
  github: GitHubPort,
  label: string,
  r: RecoveryResult,
  link: string | null,
): Promise<boolean> {
  const container = r.workspace.container;
  const closed = (await github.findClosedIssue?.(label, container)) ?? null;
  if (closed === null) return false;
  const { previousRunId, gapS } = r.regression!;
  await github.reopenIssue(closed);
  await github.createComment(
    closed,
    body(
      `🩺 **regression**: \`${container}\` broke again ${Math.round(gapS / 60)} minutes after run \`${previousRunId}\` recovered it; run \`${r.runId}\` ${r.outcome === 'recovered' ? 'recovered it again' : `ended ${r.outcome}`}. Reopening: the cause is still there.`,
      r,
      link,
    ),
  );
  return true;
}
