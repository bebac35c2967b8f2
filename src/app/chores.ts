// The app's timed chores: requests for approval that nobody answered in time are marked
// expired (their comment says so), and the incidents of regressions are reopened.
import type { Probot } from 'probot';
import { expireDue } from '../chatops/approval-store.js';
import { endedText } from '../chatops/approval-text.js';
import {
  claimRegressions,
  type RegressionToTell,
  regressionComment,
  unclaimRegression,
} from '../chatops/regressions.js';
import type { CoreDeps } from '../core/index.js';
import { octokitPort } from '../github/github-port.js';
import type { PacerRegistry } from '../github/write-pacer.js';

export async function reopenRegressions(app: Probot, core: CoreDeps, pacers: PacerRegistry): Promise<void> {
  let claimed: RegressionToTell[] = [];
  try {
    claimed = await claimRegressions(core.db);
  } catch (error) {
    app.log.warn({ err: (error as Error).message }, 'could not look for regressions; will retry');
  }
  for (const r of claimed) {
    try {
      const [owner = '', repo = ''] = r.repo.split('/');
      const { data } = await (await app.auth()).rest.apps.getRepoInstallation({ owner, repo });
      const github = octokitPort(await app.auth(data.id), owner, repo);
      const writes = pacers.for(String(data.id));
      await writes.schedule('result', () => github.reopenIssue(r.issue)).done;
      await writes.schedule('result', () =>
        github.createComment(r.issue, regressionComment(r, core.config.dashboardUrl)),
      ).done;
    } catch (error) {
      app.log.warn(
        { runId: r.runId, err: (error as Error).message },
        'could not reopen the incident of a regression; will retry',
      );
      await unclaimRegression(core.db, r.runId).catch(() => undefined);
    }
  }
}

/** How often unanswered requests for approval are looked for (they expire after MEDIC_APPROVAL_TTL). */
export const EXPIRY_SWEEP_MS = 15_000;

export async function expireRequests(app: Probot, core: CoreDeps, pacers: PacerRegistry): Promise<void> {
  try {
    for (const request of await expireDue(core.db)) {
      if (request.installation === null || request.commentId === null) continue;
      const [owner = '', repo = ''] = request.repo.split('/');
      const github = octokitPort(await app.auth(request.installation), owner, repo);
      await pacers
        .for(String(request.installation))
        .schedule('progress', () => github.updateComment(request.commentId!, endedText(request))).done;
    }
  } catch (error) {
    app.log.warn({ err: (error as Error).message }, 'could not expire requests for approval; will retry');
  }
}
