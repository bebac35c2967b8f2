// Who may act on what, for commands that came from GitHub (the app, the action): the
// repository must be granted by a rule (by its GitHub id, pinned when the policy was applied:
// a name alone grants nothing), the commenter must hold the rule's permission (its `elevated`
// one for --force and /rollback), and the workspace must lie in the rule's selector. A target
// that does not exist is not granted either, unless the selector is `all`, so a repository
// learns nothing about workspaces it was not given.

import type { ClientGrant, Grant } from '../model/deps.js';
import {
  ClientNotGrantedError,
  NotAllowedError,
  PermissionDeniedError,
  RepoNotGrantedError,
  WorkspaceNotGrantedError,
} from '../model/errors.js';
import { holdsAtLeast, type Permission } from '../model/permissions.js';
import type { RecoveryResult } from '../model/result.js';
import { type ClientAbility, type PolicyClient, type PolicyRule, repoFits, selects } from './policy.js';
import type { StoredPolicy } from './resolution.js';

export type { ClientGrant, Grant };

/** What a rule's selector reads of a workspace (its row has more). */
type SelectedWorkspace = Parameters<typeof selects>[1];

/** What a grant says of where it came from, as the policy matches it. */
export type GrantSource = Pick<Grant, 'repo' | 'repoId' | 'ownerId'>;

/**
 * The first rule that grants this repository: its name fits the rule and its id is one the
 * rule was pinned to (or, for `new_repositories: true`, its owner's id is the rule's).
 */
export function grantedRule(stored: StoredPolicy | null, grant: GrantSource): PolicyRule {
  const apply = 'an operator applies the policy again with `medic policy apply <file>`';
  if (!stored) {
    throw new RepoNotGrantedError(`${grant.repo} is not granted any workspace by the operator's policy`, {
      hint: 'no policy is applied: an operator applies one with `medic policy apply <file>`',
    });
  }
  let fitsByName: PolicyRule | null = null;
  for (const [i, rule] of stored.policy.repos.entries()) {
    if (!repoFits(rule, grant.repo)) continue;
    fitsByName ??= rule;
    const pinned = stored.resolution?.rules[i];
    if (!pinned || grant.repoId === null) continue;
    const name = grant.repo.toLowerCase();
    if (pinned.repos.some((r) => r.id === grant.repoId && r.name.toLowerCase() === name)) return rule;
    if (rule.new_repositories && pinned.ownerId !== null && pinned.ownerId === grant.ownerId) return rule;
  }
  if (!fitsByName) {
    throw new RepoNotGrantedError(`${grant.repo} is not granted any workspace by the operator's policy`, {
      hint: 'an operator adds a rule for this repository with `medic policy apply <file>`',
    });
  }
  const why = stored.resolution
    ? `was not among the repositories pinned when policy version ${stored.version} was applied (created, renamed or re-created since)`
    : `cannot be checked: policy version ${stored.version} was applied before grants were pinned to GitHub's ids`;
  throw new RepoNotGrantedError(`${grant.repo} fits the rule ${fitsByName.repo} by name, but ${why}`, {
    hint: `if this repository should be granted, ${apply}`,
  });
}

/**
 * Checks one command against the policy; throws a RefusalError. `workspace` is null when the
 * target names no workspace (or more than one).
 */
export function checkGrant(
  policy: StoredPolicy | null,
  grant: Grant,
  request: {
    readonly elevated: boolean;
    readonly target: string;
    readonly workspace: SelectedWorkspace | null;
    /** A lower floor for a read-only view that GitHub itself triggers (an incident's diagnosis). */
    readonly permission?: Permission;
  },
): PolicyRule {
  const rule = grantedRule(policy, grant);
  const required = request.elevated ? rule.elevated : (request.permission ?? rule.permission);
  if (!holdsAtLeast(grant.role, required)) {
    throw new PermissionDeniedError({
      required,
      held: grant.role,
      on: grant.repo,
      ...(request.elevated ? { because: '--force and /rollback are elevated' } : {}),
    });
  }
  if (rule.workspaces !== 'all' && (!request.workspace || !selects(rule, request.workspace))) {
    throw new WorkspaceNotGrantedError(
      `${request.target} is not among the workspaces granted to ${grant.repo}`,
      {
        hint: "the operator's policy names the workspaces each repository may act on",
      },
    );
  }
  return rule;
}

/** The commands that need a rule's `elevated` permission: --force, and /rollback (it undoes a reseed). */
export function isElevated(
  command: RecoveryResult['command'],
  options: { readonly force?: boolean },
): boolean {
  return command === 'rollback' || (command === 'recover' && (options.force ?? false));
}

/**
 * Checks one HTTP API call against the policy's `clients`: the client is listed, may do what
 * it asks (`rollback` and `force` only when listed), and the workspace lies in its selector.
 */
export function checkClient(
  policy: StoredPolicy | null,
  client: ClientGrant,
  request: {
    readonly ability: ClientAbility;
    readonly force: boolean;
    readonly target: string;
    readonly workspace: SelectedWorkspace | null;
  },
): PolicyClient {
  const name = client.name.toLowerCase();
  const listed = policy?.policy.clients.find((c) => c.name.toLowerCase() === name);
  if (!listed) {
    throw new ClientNotGrantedError(`the API client ${client.name} is not in the operator's policy`, {
      hint: 'an operator adds it under `clients:` and applies the policy with `medic policy apply <file>`',
    });
  }
  const wanted: ClientAbility[] = [request.ability, ...(request.force ? (['force'] as const) : [])];
  const missing = wanted.filter((a) => !listed.may.includes(a));
  if (missing.length > 0) {
    throw new NotAllowedError(
      `the API client ${listed.name} may ${listed.may.join(', ')}; not ${missing.join(', ')}`,
      { hint: 'an operator lists what a client may do under its `may:` in the policy' },
    );
  }
  if (listed.workspaces !== 'all' && (!request.workspace || !selects(listed, request.workspace))) {
    throw new WorkspaceNotGrantedError(
      `${request.target} is not among the workspaces granted to the API client ${listed.name}`,
      { hint: "the operator's policy names the workspaces each client may act on" },
    );
  }
  return listed;
}
