// The narrow GitHub interface medic needs (ChatOps, the watcher's incident issues), and its adapter over an Octokit (Probot's
// installation client in the app, @octokit/rest in the action). Tests fake it or go through
// the adapter with nock.
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';

export type Reaction = 'eyes' | 'rocket' | '-1' | 'confused' | '+1';

export interface GitHubPort {
  readonly owner: string;
  readonly repo: string;
  react(commentId: number, content: Reaction): Promise<void>;
  createComment(issue: number, body: string): Promise<number>;
  updateComment(commentId: number, body: string): Promise<void>;
  closeIssue(issue: number): Promise<void>;
  reopenIssue(issue: number): Promise<void>;
  /** Opens an issue; returns its number. */
  createIssue(title: string, body: string, labels: readonly string[]): Promise<number>;
  /** The open issue with `label` whose title contains `text`, or null. */
  findOpenIssue(label: string, text: string): Promise<number | null>;
  /** The most recently closed issue with `label` whose title contains `text`, or null. */
  findClosedIssue?(label: string, text: string): Promise<number | null>;
  /** The user's role on the repository: read, triage, write, maintain, admin, or none. */
  permissionOf(login: string): Promise<string>;
  isTeamMember(org: string, team: string, login: string): Promise<boolean>;
  /** A file of the default branch, or null when absent. */
  readFile(path: string): Promise<string | null>;
}

type RestClient = Pick<Octokit, 'rest'>;

const statusOf = (error: unknown) => (error as { status?: number }).status;

export function octokitPort(octokit: RestClient, owner: string, repo: string): GitHubPort {
  const r = { owner, repo };
  return { owner, repo, ...issueCalls(octokit, r), ...accessCalls(octokit, r) };
}

type Repo = { readonly owner: string; readonly repo: string };

// Issues, their comments and reactions.
function issueCalls(octokit: RestClient, r: Repo) {
  return {
    async react(commentId: number, content: Reaction) {
      await octokit.rest.reactions.createForIssueComment({ ...r, comment_id: commentId, content });
    },
    async createComment(issue: number, body: string) {
      const { data } = await octokit.rest.issues.createComment({ ...r, issue_number: issue, body });
      return data.id;
    },
    async updateComment(commentId: number, body: string) {
      await octokit.rest.issues.updateComment({ ...r, comment_id: commentId, body });
    },
    async closeIssue(issue: number) {
      await octokit.rest.issues.update({
        ...r,
        issue_number: issue,
        state: 'closed',
        state_reason: 'completed',
      });
    },
    async reopenIssue(issue: number) {
      await octokit.rest.issues.update({ ...r, issue_number: issue, state: 'open' });
    },
    async createIssue(title: string, body: string, labels: readonly string[]) {
      const { data } = await octokit.rest.issues.create({ ...r, title, body, labels: [...labels] });
      return data.number;
    },
    async findOpenIssue(label: string, text: string) {
      const { data } = await octokit.rest.issues.listForRepo({
        ...r,
        state: 'open',
        labels: label,
        per_page: 100,
      });
      return data.find((i) => !i.pull_request && i.title.includes(text))?.number ?? null;
    },
    async findClosedIssue(label: string, text: string) {
      const { data } = await octokit.rest.issues.listForRepo({
        ...r,
        state: 'closed',
        labels: label,
        sort: 'updated',
        direction: 'desc',
        per_page: 100,
      });
      return data.find((i) => !i.pull_request && i.title.includes(text))?.number ?? null;
    },
  } satisfies Partial<GitHubPort>;
}

// Who may do what (a user's role, a team's members) and the repository's files.
function accessCalls(octokit: RestClient, r: Repo) {
  return {
    async permissionOf(login: string) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...r, username: login });
        const parsed = z.object({ permission: z.string(), role_name: z.string().optional() }).parse(data);
        return parsed.role_name && parsed.role_name !== '' ? parsed.role_name : parsed.permission;
      } catch (error) {
        if (statusOf(error) === 404) return 'none';
        throw error;
      }
    },
    async isTeamMember(org: string, team: string, login: string) {
      try {
        const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
          org,
          team_slug: team,
          username: login,
        });
        return data.state === 'active';
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
    async readFile(path: string) {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...r, path });
        const file = z.object({ content: z.string(), encoding: z.literal('base64') }).safeParse(data);
        return file.success ? Buffer.from(file.data.content, 'base64').toString('utf8') : null;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
  } satisfies Partial<GitHubPort>;
}
