// The webhook fields medic uses, validated with zod at the boundary, turned into the events
// ChatOps handles. The app and the action (GITHUB_EVENT_PATH) read payloads through here.
import { z } from 'zod';

/** GitHub's ids of the repository an event came from and of its owner: what the policy matches. */
export interface RepositoryIds {
  readonly id: number | null;
  readonly ownerId: number | null;
}

/** A new comment on an issue, as ChatOps reads it. */
export interface CommentEvent {
  /** Absent in a job stored before medic read ids: such a job is granted nothing. */
  readonly repository?: RepositoryIds;
  readonly issue: {
    readonly number: number;
    readonly labels: readonly string[];
    readonly state: string;
    /** When the issue (the incident) was opened, when the payload says. */
    readonly createdAt?: string | null;
  };
  readonly comment: {
    readonly id: number;
    readonly body: string;
    readonly author: string;
    /** The author's GitHub user id: who they are (a login can be renamed). Null in a job stored before medic read it. */
    readonly authorId?: number | null;
    readonly authorType: string;
    /** ISO time; comments older than MEDIC_COMMENT_MAX_AGE_S are ignored (a replayed old body). */
    readonly createdAt: string | null;
  };
  readonly repositoryFork: boolean;
}

/** An issue opened or labeled, as the incident diagnosis reads it. */
export interface IncidentEvent {
  readonly repository?: RepositoryIds;
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  /** Who opened the issue. */
  readonly author: string;
  /** Who sent this event: the opener, or whoever added the label. */
  readonly sender: string;
}

// The ids are what the operator's policy matches (a name can be re-created; an id never is).
// A stored job from before they were read has none, and is then granted nothing.
const repository = z.object({
  id: z.number().nullable().default(null),
  name: z.string(),
  owner: z.object({ login: z.string(), id: z.number().nullable().default(null) }),
  fork: z.boolean().default(false),
});
const labels = z.array(z.object({ name: z.string() })).default([]);

const issueCommentSchema = z.object({
  action: z.string(),
  installation: z.object({ id: z.number() }).optional(),
  repository,
  issue: z.object({
    number: z.number(),
    state: z.string(),
    labels,
    created_at: z.string().nullable().optional(),
  }),
  comment: z.object({
    id: z.number(),
    body: z.string().nullable(),
    user: z.object({ login: z.string(), type: z.string(), id: z.number().int().optional() }),
    created_at: z.string().nullable().optional(),
  }),
});

const issuesSchema = z.object({
  action: z.string(),
  installation: z.object({ id: z.number() }).optional(),
  repository,
  issue: z.object({
    number: z.number(),
    title: z.string(),
    body: z.string().nullable(),
    labels,
    user: z.object({ login: z.string() }),
  }),
  sender: z.object({ login: z.string() }),
});

export interface Located<T> {
  readonly owner: string;
  readonly repo: string;
  readonly installationId: number | null;
  readonly event: T;
}

/** Where a delivery comes from: its action, repository and installation. */
function located(p: {
  action: string;
  repository: z.infer<typeof repository>;
  installation?: { id: number } | undefined;
}) {
  return {
    action: p.action,
    owner: p.repository.owner.login,
    repo: p.repository.name,
    installationId: p.installation?.id ?? null,
  };
}

function idsOf(r: z.infer<typeof repository>): RepositoryIds {
  return { id: r.id, ownerId: r.owner.id };
}

export function commentEventFrom(payload: unknown): Located<CommentEvent> & { readonly action: string } {
  const p = issueCommentSchema.parse(payload);
  return {
    ...located(p),
    event: {
      repository: idsOf(p.repository),
      issue: {
        number: p.issue.number,
        state: p.issue.state,
        labels: p.issue.labels.map((l) => l.name),
        createdAt: p.issue.created_at ?? null,
      },
      comment: {
        id: p.comment.id,
        body: p.comment.body ?? '',
        author: p.comment.user.login,
        authorId: p.comment.user.id ?? null,
        authorType: p.comment.user.type,
        createdAt: p.comment.created_at ?? null,
      },
      repositoryFork: p.repository.fork,
    },
  };
}

export function incidentEventFrom(payload: unknown): Located<IncidentEvent> & { readonly action: string } {
  const p = issuesSchema.parse(payload);
  return {
    ...located(p),
    event: {
      repository: idsOf(p.repository),
      number: p.issue.number,
      title: p.issue.title,
      body: p.issue.body ?? '',
      labels: p.issue.labels.map((l) => l.name),
      author: p.issue.user.login,
      sender: p.sender.login,
    },
  };
}
