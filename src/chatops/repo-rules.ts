// What a repository's own file adds to the operator's policy: a higher permission, and
// allowlists of users and teams. Each check that fails is a PERMISSION_DENIED refusal.
import { holdsAtLeast, NotAllowedError, PermissionDeniedError } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { Effective, RepoConfig } from './repo-config.js';

export async function checkRepoRules(
  github: GitHubPort,
  asked: {
    readonly config: RepoConfig;
    readonly effective: Effective;
    readonly login: string;
    readonly held: string;
  },
): Promise<void> {
  const { config, effective, login, held } = asked;
  const repo = `${github.owner}/${github.repo}`;
  if (!holdsAtLeast(held, effective.permission)) {
    throw new PermissionDeniedError({
      required: effective.permission,
      held,
      on: repo,
      because: '.github/medic.yml',
    });
  }
  if (config.allowed_users.length === 0 && config.allowed_teams.length === 0) return;
  if (config.allowed_users.some((u) => u.toLowerCase() === login.toLowerCase())) return;
  for (const entry of config.allowed_teams) {
    const [org, team] = entry.split('/') as [string, string];
    if (await github.isTeamMember(org, team, login)) return;
  }
  throw new NotAllowedError(
    'you are not in `allowed_users` or a member of `allowed_teams` in .github/medic.yml',
  );
}
