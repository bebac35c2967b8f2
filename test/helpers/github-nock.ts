// GitHub's REST API as nock interceptors that keep what medic wrote (comments, edits,
// reactions, closed issues), so tests assert on the final state and on the calls that must
// happen exactly once. No request leaves the machine.
import nock from 'nock';
import { systemClock } from '../../src/core/index.js';
import { WritePacer } from '../../src/github/write-pacer.js';
import { INSTALLATION, OWNER, REPO } from './webhooks.js';

export interface GitHubState {
  comments: Map<number, { issue: number; body: string; edits: number }>;
  reactions: string[];
  closed: number[];
  reopened: number[];
}

const R = `/repos/${OWNER}/${REPO}`;

/** Persistent handlers for the calls whose number depends on timing (edits, tokens). */
export function githubApi(options: { config?: string | null } = {}): {
  state: GitHubState;
  scope: nock.Scope;
} {
  const state: GitHubState = { comments: new Map(), reactions: [], closed: [], reopened: [] };
  let nextId = 100;
  const scope = nock('https://api.github.com')
    .persist()
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, {
      token: 'ghs_test',
      expires_at: new Date(Date.now() + 3600e3).toISOString(),
      permissions: { issues: 'write' },
    })
    .get(/\/contents\/\.github(%2F|\/)medic\.yml/)
    .reply(() =>
      options.config == null
        ? [404, { message: 'Not Found' }]
        : [
            200,
            { type: 'file', encoding: 'base64', content: Buffer.from(options.config).toString('base64') },
          ],
    )
    .post(/\/issues\/comments\/\d+\/reactions$/)
    .reply(201, (_uri, body) => {
      state.reactions.push((body as { content: string }).content);
      return { id: 1 };
    })
    .post(new RegExp(`^${R}/issues/\\d+/comments$`))
    .reply(201, (uri, body) => {
      const id = nextId++;
      state.comments.set(id, {
        issue: Number(uri.split('/')[5]),
        body: (body as { body: string }).body,
        edits: 0,
      });
      return { id };
    })
    .patch(new RegExp(`^${R}/issues/comments/\\d+$`))
    .reply(200, (uri, body) => {
      const c = state.comments.get(Number(uri.split('/').at(-1)));
      if (c) {
        c.body = (body as { body: string }).body;
        c.edits++;
      }
      return { id: 1 };
    })
    .patch(new RegExp(`^${R}/issues/\\d+$`))
    .reply(200, (uri, body) => {
      if ((body as { state?: string }).state === 'closed') state.closed.push(Number(uri.split('/').at(-1)));
      if ((body as { state?: string }).state === 'open') state.reopened.push(Number(uri.split('/').at(-1)));
      return {};
    })
    .get(`${R}/installation`)
    .reply(200, { id: INSTALLATION });
  return { state, scope };
}

/** The permission lookup, expected exactly once per command. */
export function permission(login: string, role: string): nock.Scope {
  const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
  return nock('https://api.github.com')
    .get(`${R}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: role, user: { login } });
}

export function commentsOn(state: GitHubState, issue: number): string[] {
  return [...state.comments.values()].filter((c) => c.issue === issue).map((c) => c.body);
}

/** A write pacer that lets every write go at once (tests that do not measure pacing). */
export function unpaced(): WritePacer {
  return new WritePacer({ gapMs: 0, perMinute: Number.MAX_SAFE_INTEGER, clock: systemClock });
}
