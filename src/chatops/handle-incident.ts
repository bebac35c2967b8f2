// An incident issue (opened, or labeled with the incident label): diagnose every ws-<id12> it
// names and post one comment with their state and the /recover command that fixes them. Only
// when the repository is granted by the operator's policy and the issue's author (opened) or
// the labeller (labeled) holds at least `triage`; and it reads file status only, never the
// volume's content, since anyone who can open an issue can trigger it.
import {
  type CoreDeps,
  currentPolicy,
  type Executor,
  holdsAtLeast,
  type Logger,
  localExecutor,
  mentionedWorkspaces,
  ruleFor,
} from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { IncidentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from './escape.js';
import { diagnosisTable } from './render-diagnosis.js';
import { CONFIG_PATH, configErrorComment, MAX_TARGETS_PER_COMMENT, parseRepoConfig } from './repo-config.js';

export async function handleIncident(
  deps: { core: CoreDeps; github: GitHubPort; logger: Logger; executor?: Executor },
  issue: IncidentEvent,
): Promise<boolean> {
  const { github, logger } = deps;
  const repo = `${github.owner}/${github.repo}`;
  const rule = ruleFor((await currentPolicy(deps.core.db))?.policy ?? null, repo);
  if (!rule) {
    logger.info(
      { repo, issue: issue.number },
      'incident issue in a repository the policy does not grant; no diagnosis',
    );
    return false;
  }
  const asker = issue.sender;
  const role = await github.permissionOf(asker);
  if (!holdsAtLeast(role, 'triage')) {
    logger.info(
      { repo, issue: issue.number, asker, role },
      'incident issue by a user below triage; no diagnosis',
    );
    return false;
  }
  const loaded = parseRepoConfig(await github.readFile(CONFIG_PATH));
  if (!loaded.ok) {
    await github.createComment(
      issue.number,
      configErrorComment(loaded, (t) => escapeInline(t, 300)),
    );
    return false;
  }
  const { config } = loaded;
  if (!issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase())) return false;
  const targets = mentionedWorkspaces(
    `${issue.title}\n${issue.body}`,
    config.max_targets ?? MAX_TARGETS_PER_COMMENT,
  );
  if (targets.length === 0) {
    await github.createComment(
      issue.number,
      '🩺 medic found no workspace named in this incident. Name one as `ws-<first 12 characters of its id>` and comment `/diagnose ws-…`.',
    );
    return true;
  }
  const request = {
    actor: asker,
    source: 'app' as const,
    grant: { repo, role, origin: { repo, issue: issue.number, comment: null } },
  };
  const executor = deps.executor ?? localExecutor(deps.core);
  const rows = [];
  for (const target of targets) {
    const found = await executor
      .diagnose(target, {
        list: false,
        request,
        permission: 'triage',
      })
      .catch((e: unknown) => e as Error);
    rows.push({ target, found });
  }
  await github.createComment(issue.number, diagnosisTable(rows, `diagnosis of ${targets.join(' ')}`));
  return true;
}
