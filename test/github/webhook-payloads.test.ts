// The webhook boundary: real payloads (@octokit/webhooks-examples) become the events ChatOps
// handles; a payload missing a field medic uses is rejected, not guessed at.
import { describe, expect, it } from 'vitest';
import { commentEventFrom, incidentEventFrom } from '../../src/github/webhook-payloads.js';
import { INSTALLATION, issueCommentPayload, issuesPayload, OWNER, REPO } from '../helpers/webhooks.js';

describe('webhook payloads', () => {
  it('reads an issue_comment.created payload into a located comment event', () => {
    const located = commentEventFrom(
      issueCommentPayload({ body: '/recover ws-92f6d88b-6a9', issue: 42, login: 'alice' }),
    );
    expect(located).toMatchObject({
      action: 'created',
      owner: OWNER,
      repo: REPO,
      installationId: INSTALLATION,
    });
    expect(located.event.issue).toMatchObject({ number: 42, state: 'open', labels: ['incident'] });
    expect(located.event.comment).toMatchObject({
      body: '/recover ws-92f6d88b-6a9',
      author: 'alice',
      authorType: 'User',
    });
    expect(located.event.repositoryFork).toBe(false);
  });

  it('reads an issues.opened payload into an incident event', () => {
    const located = incidentEventFrom(
      issuesPayload({ issue: 7, title: 'down', body: 'ws-92f6d88b-6a9 is down' }),
    );
    expect(located.event).toMatchObject({ number: 7, body: 'ws-92f6d88b-6a9 is down', labels: ['incident'] });
  });

  it('rejects a payload without the fields medic uses', () => {
    const p = issueCommentPayload({ body: 'x' });
    delete (p as { comment?: unknown }).comment;
    expect(() => commentEventFrom(p)).toThrow();
    expect(() => commentEventFrom({ action: 'created' })).toThrow();
  });
});
