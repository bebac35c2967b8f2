// Pinning a policy to what cannot be re-created: when the operator applies a policy, every
// rule is resolved through GitHub (a RepoDirectory) to the numeric ids of the repositories it
// names now, and the ids are stored with that policy version. GitHub never reuses an id, so a
// repository created, renamed or re-created later under a granted name is not granted until
// the policy is applied again; only a rule that says `new_repositories: true` keeps matching
// new repositories of its owner (by the owner's id). A rule may carry its ids itself.
import { z } from 'zod';
import { MedicError, PolicyUnresolvedError } from '../model/errors.js';
import { isExact, type Policy, type PolicyRule, repoFits } from './policy.js';

/** A repository as GitHub knows it: the id is what a delivery is matched by. */
export interface GitHubRepo {
  readonly id: number;
  /** `owner/name`, as GitHub spells it. */
  readonly fullName: string;
  readonly ownerId: number;
}

/** What `policy apply` asks GitHub (src/github/repo-directory.ts; a fake in tests). */
export interface RepoDirectory {
  /** Where it asks and as whom, for messages: "https://api.github.com as app 12". */
  readonly describe: string;
  /** The repository, or null when it does not exist (or the credentials cannot see it). */
  repo(owner: string, name: string): Promise<GitHubRepo | null>;
  /** Every repository of `owner` the credentials can see (an app: its installation's). */
  reposOf(owner: string): Promise<readonly GitHubRepo[]>;
  /** The accounts the credentials can act in (an app: its installations'). */
  owners(): Promise<readonly string[]>;
  /** The numeric id of a user or organisation, or null. */
  ownerId(owner: string): Promise<number | null>;
}

const pinnedSchema = z.object({ id: z.number(), name: z.string() });
export const resolutionSchema = z.object({
  via: z.string(),
  at: z.string(),
  rules: z.array(z.object({ repos: z.array(pinnedSchema), ownerId: z.number().nullable() })),
});
export type Resolution = z.infer<typeof resolutionSchema>;
export type RuleResolution = Resolution['rules'][number];

export interface Resolved {
  readonly resolution: Resolution;
  /** Said by `policy check` and `policy apply` in words an operator cannot miss. */
  readonly warnings: readonly string[];
}

/** The variables that give `policy apply` GitHub access, for messages. */
export const GITHUB_ACCESS_VARS = 'APP_ID and PRIVATE_KEY (the app), or GITHUB_TOKEN';

export async function resolvePolicy(
  policy: Policy,
  directory: RepoDirectory | null,
  now: Date,
): Promise<Resolved> {
  const unresolvable = policy.repos.map((rule, i) => ({ rule, i })).filter(({ rule }) => needsGitHub(rule));
  if (!directory && unresolvable.length > 0) {
    const which = unresolvable.map(({ rule, i }) => `rule ${i + 1} (${rule.repo})`).join(', ');
    throw new PolicyUnresolvedError(
      `${which} cannot be pinned to GitHub's repository ids without GitHub access`,
      {
        hint: `set ${GITHUB_ACCESS_VARS} (GHE_HOST or GITHUB_API_URL for GitHub Enterprise), or give each exact rule its \`id:\` (and \`owner_id:\` for new_repositories)`,
      },
    );
  }
  const warnings = newRepositoryWarnings(policy);
  const rules: RuleResolution[] = [];
  for (const [i, rule] of policy.repos.entries()) {
    const resolved = await resolveRule(rule, directory).catch((error: unknown) => {
      if (error instanceof MedicError) throw error;
      throw new PolicyUnresolvedError(
        `rule ${i + 1} (${rule.repo}): asking GitHub (${directory?.describe}) failed: ${(error as Error).message}`,
        {
          hint: `check ${GITHUB_ACCESS_VARS} and that the app is installed where the rule points`,
          cause: error,
        },
      );
    });
    if (resolved.repos.length === 0) {
      warnings.push(
        `rule ${i + 1} (${rule.repo}) matches no repository on GitHub now: it grants nothing until the policy is applied again`,
      );
    }
    rules.push(resolved);
  }
  return {
    resolution: { via: directory ? directory.describe : 'ids in the file', at: now.toISOString(), rules },
    warnings,
  };
}

/** The loud warning for every `new_repositories: true` rule (also what `policy check` says). */
export function newRepositoryWarnings(policy: Policy): string[] {
  return policy.repos.flatMap((rule, i) =>
    rule.new_repositories
      ? [
          `WARNING: rule ${i + 1} (${rule.repo}) says new_repositories: true. Any repository created under ${ownerOf(rule)} later whose name fits ${rule.repo} is granted too: whoever may create repositories there becomes its admin and may run /recover --force and /rollback (${rule.elevated}) on these workspaces. Unless repository creation in ${ownerOf(rule)} is restricted, remove it and apply the policy again when a repository is added.`,
        ]
      : [],
  );
}

function needsGitHub(rule: PolicyRule): boolean {
  if (!isExact(rule)) return true;
  if (rule.id === undefined) return true;
  return rule.new_repositories && rule.owner_id === undefined;
}

async function resolveRule(rule: PolicyRule, directory: RepoDirectory | null): Promise<RuleResolution> {
  const owner = ownerOf(rule);
  const ownerId = !rule.new_repositories
    ? null
    : (rule.owner_id ?? (directory ? await directory.ownerId(owner) : null));
  if (isExact(rule)) {
    if (rule.id !== undefined) return { repos: [{ id: rule.id, name: rule.repo }], ownerId };
    const [, name] = rule.repo.split('/') as [string, string];
    const found = await directory!.repo(owner, name);
    return { repos: found ? [{ id: found.id, name: found.fullName }] : [], ownerId };
  }
  const owners = owner.includes('*')
    ? (await directory!.owners()).filter((o) => repoFits({ repo: `${owner}/x` }, `${o}/x`))
    : [owner];
  const repos = [];
  for (const o of owners) {
    for (const r of await directory!.reposOf(o)) {
      if (repoFits(rule, r.fullName)) repos.push({ id: r.id, name: r.fullName });
    }
  }
  return { repos, ownerId };
}

function ownerOf(rule: Pick<PolicyRule, 'repo'>): string {
  return rule.repo.split('/')[0]!;
}

/** A policy version as stored: the document, who applied it and when, the ids pinned then. */
export interface StoredPolicy {
  readonly version: number;
  readonly policy: Policy;
  readonly appliedBy: string;
  readonly appliedAt: Date;
  /** The ids each rule was pinned to; null for a version applied before medic pinned ids. */
  readonly resolution: Resolution | null;
}
