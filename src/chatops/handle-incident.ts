// An incident issue (opened, or labeled with the incident label): diagnose every ws-<id12> it
// names and post one comment with their state and the /recover command that fixes them. Only
// when the repository is granted by the operator's policy (by id) and the issue's author
// (opened) or the labeller (labeled) holds at least `triage` and whatever the repository's
// file tightens; it reads file status only, never the volume's content, since anyone who can
// open an issue can trigger it.
import {
  type CoreDeps,
  type Executor,
  type Grant,
  type Logger,
  localExecutor,
  mentionedWorkspaces,
  type Permission,
  RefusalError,
} from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { IncidentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from '../markdown/escape.js';
import { diagnosisTable } from '../markdown/render-diagnosis.js';
import { checkFloor } from './floor.js';
import { CONFIG_PATH, configErrorComment, parseRepoConfig, tighten } from './repo-config.js';
import { checkRepoRules } from './repo-rules.js';

type IncidentDeps = { core: CoreDeps; github: GitHubPort; logger: Logger; executor?: Executor };

export async function handleIncident(deps: IncidentDeps, issue: IncidentEvent): Promise<boolean> {
  const { github, logger } = deps;
  const repo = `${github.owner}/${github.repo}`;
  const asker = issue.sender;
  const source = { repo, repoId: issue.repository?.id ?? null, ownerId: issue.repository?.ownerId ?? null };
  const floor = await checkFloor(deps.core, github, { actor: asker, source, permission: () => 'triage' });
  if (floor.kind !== 'granted') {
    logger.info(
      { repo, issue: issue.number, asker, code: floor.error.code },
      'incident issue not diagnosed: refused at the floor',
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
  // The repository's file tightens this door as it does comments: its permission (the
  // read-only floor stays triage when it names none), its allowed users, its max_targets.
  const effective = tighten(config, floor.rule);
  const permission: Permission = config.permission ? effective.permission : 'triage';
  try {
    await checkRepoRules(github, {
      config,
      effective: { ...effective, permission },
      login: asker,
      held: floor.held,
    });
  } catch (error) {
    if (!(error instanceof RefusalError)) throw error;
    logger.info({ repo, issue: issue.number, asker, code: error.code }, 'incident issue not diagnosed');
    return false;
  }
  const grant = { ...source, role: floor.held, origin: { repo, issue: issue.number, comment: null } };
  await diagnoseNamed(
    deps,
    issue,
    { actor: asker, source: 'app' as const, grant },
    { permission, maxTargets: effective.maxTargets },
  );
  return true;
}

// The workspaces the incident names, diagnosed in one comment (or a comment that it names none).
async function diagnoseNamed(
  deps: IncidentDeps,
  issue: IncidentEvent,
  request: { readonly actor: string; readonly source: 'app'; readonly grant: Grant },
  o: { readonly permission: Permission; readonly maxTargets: number },
): Promise<void> {
  const { github } = deps;
  const targets = mentionedWorkspaces(`${issue.title}\n${issue.body}`, o.maxTargets);
  if (targets.length === 0) {
    await github.createComment(
      issue.number,
      '🩺 medic found no workspace named in this incident. Name one as `ws-<first 12 characters of its id>` and comment `/diagnose ws-…`.',
    );
    return;
  }
  const executor = deps.executor ?? localExecutor(deps.core);
  const rows = [];
  for (const target of targets) {
    const found = await executor
      .diagnose(target, { list: false, request, permission: o.permission })
      .catch((e: unknown) => e as Error);
    rows.push({ target, found });
  }
  await github.createComment(issue.number, diagnosisTable(rows, `diagnosis of ${targets.join(' ')}`));
}
