// The app's timed chores, on the core's chore scheduler (once per period of all the replicas,
// a failure retried with the backoff): requests for approval that nobody answered in time are
// marked expired (their comment says so), and the incidents of regressions are reopened.
import type { Probot } from 'probot';
import { expireDue } from '../chatops/approval-store.js';
import { endedText } from '../chatops/approval-text.js';
import { claimRegressions, regressionComment, unclaimRegression } from '../chatops/regressions.js';
import type { Chore, CoreDeps } from '../core/index.js';
import { octokitPort } from '../github/github-port.js';
import type { PacerRegistry } from '../github/write-pacer.js';

/** How often unanswered requests for approval are looked for (they expire after MEDIC_APPROVAL_TTL). */
const EXPIRY_SWEEP_MS = 15_000;

/** Reopens the incidents of workspaces that broke again soon after a command recovered them. */
export function reopenRegressionsChore(
  app: Probot,
  core: CoreDeps,
  pacers: PacerRegistry,
  everyMs: number,
): Chore {
  return {
    name: 'reopen-regressions',
    everyMs,
    run: async () => {
      let reopened = 0;
      for (const r of await claimRegressions(core.db)) {
        try {
          const [owner = '', repo = ''] = r.repo.split('/');
          const { data } = await (await app.auth()).rest.apps.getRepoInstallation({ owner, repo });
          const github = octokitPort(await app.auth(data.id), owner, repo);
          const writes = pacers.for(String(data.id));
          await writes.schedule('result', () => github.reopenIssue(r.issue)).done;
          await writes.schedule('result', () =>
            github.createComment(r.issue, regressionComment(r, core.config.dashboardUrl)),
          ).done;
          reopened++;
        } catch (error) {
          // Put back for the next period's look (the others go on).
          app.log.warn(
            { runId: r.runId, err: (error as Error).message },
            'could not reopen the incident of a regression; will retry',
          );
          await unclaimRegression(core.db, r.runId).catch(() => undefined);
        }
      }
      return reopened > 0 ? `reopened ${reopened} incidents` : null;
    },
  };
}

/** Marks the requests for approval nobody answered in time expired, and edits their comment to say so. */
export function expireRequestsChore(app: Probot, core: CoreDeps, pacers: PacerRegistry): Chore {
  return {
    name: 'expire-approvals',
    everyMs: EXPIRY_SWEEP_MS,
    run: async () => {
      const expired = await expireDue(core.db);
      for (const request of expired) {
        if (request.installation === null || request.commentId === null) continue;
        const [owner = '', repo = ''] = request.repo.split('/');
        const github = octokitPort(await app.auth(request.installation), owner, repo);
        await pacers
          .for(String(request.installation))
          .schedule('progress', () => github.updateComment(request.commentId!, endedText(request))).done;
      }
      return expired.length > 0 ? `expired ${expired.length} requests for approval` : null;
    },
  };
}
