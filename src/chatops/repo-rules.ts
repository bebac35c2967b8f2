// What a repository's own file adds to the operator's policy: a higher permission, and
// allowlists of users and teams. Each check that fails is a PERMISSION_DENIED refusal.
import { holdsAtLeast, PermissionDeniedError } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { Effective, RepoConfig } from './repo-config.js';

export async function checkRepoRules(
  github: GitHubPort,
  config: RepoConfig,
  effective: Effective,
  login: string,
  held: string,
): Promise<void> {
  const repo = `${github.owner}/${github.repo}`;
  if (!holdsAtLeast(held, effective.permission)) {
    throw new PermissionDeniedError(
      effective.permission,
      held,
      `this needs ${effective.permission} permission on ${repo} (.github/medic.yml); you have ${held}`,
    );
  }
  if (config.allowed_users.length === 0 && config.allowed_teams.length === 0) return;
  if (config.allowed_users.some((u) => u.toLowerCase() === login.toLowerCase())) return;
  for (const entry of config.allowed_teams) {
    const [org, team] = entry.split('/') as [string, string];
    if (await github.isTeamMember(org, team, login)) return;
  }
  throw new PermissionDeniedError(
    'allowed_users',
    held,
    'you are not in `allowed_users` or a member of `allowed_teams` in .github/medic.yml',
  );
}
