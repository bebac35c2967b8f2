// Who may run medic's commands: the commenter's repository permission must reach the
// configured level, and when allowlists are set the commenter must be on one of them.
import type { GitHubPort } from '../github/github-port.js';
import { permissionRank, type RepoConfig } from './repo-config.js';

export type Decision =
  | { readonly allowed: true; readonly held: string }
  | { readonly allowed: false; readonly reason: string };

export async function authorize(github: GitHubPort, config: RepoConfig, login: string): Promise<Decision> {
  const held = await github.permissionOf(login);
  if (permissionRank(held) < permissionRank(config.permission)) {
    return {
      allowed: false,
      reason: `this command needs \`${config.permission}\` permission on ${github.owner}/${github.repo} or higher; you have \`${held}\``,
    };
  }
  if (config.allowed_users.length === 0 && config.allowed_teams.length === 0) return { allowed: true, held };
  if (config.allowed_users.some((u) => u.toLowerCase() === login.toLowerCase()))
    return { allowed: true, held };
  for (const entry of config.allowed_teams) {
    const [org, team] = entry.split('/') as [string, string];
    if (await github.isTeamMember(org, team, login)) return { allowed: true, held };
  }
  return {
    allowed: false,
    reason: 'you are not in `allowed_users` or a member of `allowed_teams` in .github/medic.yml',
  };
}
