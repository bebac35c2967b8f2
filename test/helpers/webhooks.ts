// Real webhook payloads (from @octokit/webhooks-examples), changed with small factories, and
// a signed delivery as GitHub sends it.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const all = require('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

function example(event: string, action: string): Record<string, unknown> {
  const found = all
    .find((e) => e.name === event)
    ?.examples.find(
      (x) => x.action === action && !(x.issue as { pull_request?: unknown } | undefined)?.pull_request,
    );
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found);
}

export const OWNER = 'acme';
export const REPO = 'platform';
export const INSTALLATION = 77;

interface CommentOptions {
  body: string;
  login?: string;
  /** The author's GitHub user id (default: one per login, as GitHub keeps one per person). */
  userId?: number;
  type?: 'User' | 'Bot';
  issue?: number;
  labels?: string[];
  commentId?: number;
  action?: string;
  /** ISO time the comment was written (default now). */
  createdAt?: string;
  repository?: RepoOverride;
}

let nextCommentId = 9001;

/** A stable user id per login (the examples' payloads carry one id for everyone). */
export function userIdOf(login: string): number {
  let h = 7;
  for (const c of login.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return 100_000 + h;
}

/** GitHub's ids of the fixtures' acme/platform (those of the examples' issue_comment repository). */
export const REPO_ID = 186853002;
export const OWNER_ID = 21031067;

/** Another repository than acme/platform: one created later, or re-created under the same name. */
export interface RepoOverride {
  readonly name?: string;
  readonly id?: number;
  readonly ownerId?: number;
}

/** The example's repository, renamed to the fixtures' acme/platform (or the override's). */
function inAcmePlatform(repository: unknown, o: RepoOverride = {}): Record<string, unknown> {
  const repo = repository as Record<string, unknown>;
  const name = o.name ?? REPO;
  return {
    ...repo,
    id: o.id ?? REPO_ID,
    name,
    full_name: `${OWNER}/${name}`,
    owner: { ...(repo.owner as object), login: OWNER, id: o.ownerId ?? OWNER_ID },
    fork: false,
  };
}

const labelled = (names: string[] = ['incident']) => names.map((name, i) => ({ id: i + 1, name }));

export function issueCommentPayload(o: CommentOptions): Record<string, unknown> {
  const p = example('issue_comment', 'created');
  const issue = p.issue as Record<string, unknown>;
  const comment = p.comment as Record<string, unknown>;
  const login = o.login ?? 'alice';
  const user = {
    ...(comment.user as object),
    login,
    id: o.userId ?? userIdOf(login),
    type: o.type ?? 'User',
  };
  return {
    ...p,
    action: o.action ?? 'created',
    repository: inAcmePlatform(p.repository, o.repository),
    issue: {
      ...issue,
      number: o.issue ?? 42,
      state: 'open',
      labels: labelled(o.labels),
    },
    // A new comment each time (a comment is known by its id), written just now.
    comment: {
      ...comment,
      id: o.commentId ?? nextCommentId++,
      body: o.body,
      user,
      created_at: o.createdAt ?? new Date().toISOString(),
      updated_at: o.createdAt ?? new Date().toISOString(),
    },
    sender: user,
    installation: { id: INSTALLATION, node_id: 'MDIz' },
  };
}

export function issuesPayload(o: {
  title: string;
  body: string;
  labels?: string[];
  issue?: number;
  action?: string;
  /** Who opened it, and who sent the event (default: the same). */
  author?: string;
  sender?: string;
  repository?: RepoOverride;
}) {
  const p = example('issues', 'opened');
  const author = o.author ?? 'reporter';
  return {
    ...p,
    action: o.action ?? 'opened',
    repository: inAcmePlatform(p.repository, o.repository),
    issue: {
      ...(p.issue as object),
      number: o.issue ?? 43,
      title: o.title,
      body: o.body,
      labels: labelled(o.labels),
      user: { ...((p.issue as { user: object }).user ?? {}), login: author },
    },
    sender: { ...(p.sender as object), login: o.sender ?? author },
    installation: { id: INSTALLATION, node_id: 'MDIz' },
  };
}

export function signedHeaders(
  event: string,
  delivery: string,
  body: string,
  secret: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}
