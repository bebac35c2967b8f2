// Who may act on what, for commands that came from GitHub (the app, the action): the
// repository must be granted by a rule, the commenter must hold the rule's permission (its
// `elevated` one for --force and /rollback), and the workspace must lie in the rule's
// selector. A target that does not exist is not granted either, unless the selector is
// `all`, so a repository learns nothing about workspaces it was not given.
import { PermissionDeniedError, RepoNotGrantedError, WorkspaceNotGrantedError } from '../model/errors.js';
import { holdsAtLeast, type Permission } from '../model/permissions.js';
import type { Origin } from '../model/result.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { type Policy, type PolicyRule, ruleFor, selects } from './policy.js';

/** What a door from GitHub knows of a request: where it came from and the role held there. */
export interface Grant {
  /** `owner/name` of the repository the command came from. */
  readonly repo: string;
  /** The commenter's (or workflow actor's) GitHub role_name on that repository. */
  readonly role: string;
  readonly origin: Origin;
}

export function grantedRule(policy: Policy | null, grant: Grant): PolicyRule {
  const rule = ruleFor(policy, grant.repo);
  if (rule) return rule;
  throw new RepoNotGrantedError(`${grant.repo} is not granted any workspace by the operator's policy`, {
    hint: policy
      ? 'an operator adds a rule for this repository with `medic policy apply <file>`'
      : 'no policy is applied: an operator applies one with `medic policy apply <file>`',
  });
}

/**
 * Checks one command against the policy; throws a RefusalError. `workspace` is null when the
 * target names no workspace (or more than one).
 */
export function checkGrant(
  policy: Policy | null,
  grant: Grant,
  request: {
    readonly elevated: boolean;
    readonly target: string;
    readonly workspace: WorkspaceRow | null;
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
