// An incident issue (opened, or labeled with the incident label): diagnose every ws-<id12>
// it names and post one comment with their state and the /recover command that fixes them.

import type { CoreDeps, Logger } from '../core/index.js';
import { diagnoseTarget, mentionedWorkspaces } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { IncidentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from './escape.js';
import { diagnosisTable } from './render-diagnosis.js';
import { CONFIG_PATH, configErrorComment, parseRepoConfig } from './repo-config.js';

export async function handleIncident(
  deps: { core: CoreDeps; github: GitHubPort; logger: Logger },
  issue: IncidentEvent,
): Promise<boolean> {
  const loaded = parseRepoConfig(await deps.github.readFile(CONFIG_PATH));
  if (!loaded.ok) {
    await deps.github.createComment(
      issue.number,
      configErrorComment(loaded, (t) => escapeInline(t, 300)),
    );
    return false;
  }
  const { config } = loaded;
  if (!issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase())) return false;
  const targets = mentionedWorkspaces(`${issue.title}\n${issue.body}`, config.max_targets);
  if (targets.length === 0) {
    await deps.github.createComment(
      issue.number,
      '🩺 medic found no workspace named in this incident. Name one as `ws-<first 12 characters of its id>` and comment `/diagnose ws-…`.',
    );
    return true;
  }
  const rows = [];
  for (const target of targets)
    rows.push({ target, found: await diagnoseTarget(deps.core, target).catch((e: unknown) => e as Error) });
  await deps.github.createComment(issue.number, diagnosisTable(rows, `diagnosis of ${targets.join(' ')}`));
  return true;
}
