// A stored webhook job's payload: a `/recover` comment on issue `issue` of acme/platform.
import type { JobPayload } from '../../src/work/jobs/job-payload.js';

export const commentJob = (issue: number): JobPayload => ({
  kind: 'comment',
  owner: 'acme',
  repo: 'platform',
  installationId: 77,
  event: {
    issue: { number: issue, labels: [], state: 'open' },
    comment: {
      id: 7000 + issue,
      body: '/recover ws-92f6d88b-6a9',
      author: 'alice',
      authorType: 'User',
      createdAt: null,
    },
    repositoryFork: false,
  },
});
