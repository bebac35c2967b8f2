// Optionally tells a GitHub repository about automatic recoveries: when one fails, it opens
// an incident issue for the workspace (or comments on the open one); when a later one
// succeeds, it comments and closes that issue. Rendered like the app's status comments.
import type { Octokit } from '@octokit/rest';
import { jsonForHtmlComment } from '../chatops/escape.js';
import { resultTable } from '../chatops/render-status.js';
import type { Logger } from '../core/model/ports.js';
import type { RecoveryResult } from '../core/model/result.js';

export interface IncidentHook {
  report(result: RecoveryResult): Promise<void>;
}

export const noIncidentHook: IncidentHook = { report: async () => {} };

export function githubIncidentHook(
  octokit: Pick<Octokit, 'rest'>,
  owner: string,
  repo: string,
  label: string,
  logger: Logger,
): IncidentHook {
  const openIssueFor = async (container: string) => {
    const { data } = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      state: 'open',
      labels: label,
      per_page: 100,
    });
    return data.find((i) => !i.pull_request && i.title.includes(container)) ?? null;
  };
  const body = (intro: string, r: RecoveryResult) =>
    [intro, '', ...resultTable([r]), '', `<!-- medic:result ${jsonForHtmlComment(r)} -->`].join('\n');

  return {
    async report(r) {
      const container = r.workspace.container;
      try {
        const open = await openIssueFor(container);
        if (r.outcome === 'failed') {
          const text = body(
            `🩺 medic could not recover \`${container}\` automatically: \`${r.error?.code ?? 'unknown'}\`.`,
            r,
          );
          if (open)
            await octokit.rest.issues.createComment({ owner, repo, issue_number: open.number, body: text });
          else
            await octokit.rest.issues.create({
              owner,
              repo,
              title: `${container}: automatic recovery failed`,
              body: `${text}\n\nComment \`/recover ${container}\` to retry.`,
              labels: [label],
            });
        } else if (r.outcome === 'recovered' && open) {
          await octokit.rest.issues.createComment({
            owner,
            repo,
            issue_number: open.number,
            body: body(`🩺 medic recovered \`${container}\` automatically. Closing.`, r),
          });
          await octokit.rest.issues.update({
            owner,
            repo,
            issue_number: open.number,
            state: 'closed',
            state_reason: 'completed',
          });
        }
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
