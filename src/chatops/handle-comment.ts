// The ChatOps flow that the app and the action share: ignore what is not ours, acknowledge,
// check permission, run each command through the core with a live status comment, react,
// and close the incident when every target came back.
import type { CoreDeps, Logger } from '../core/index.js';
import { isSuccess, type RecoveryResult, type Source } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { CommentEvent } from '../github/webhook-payloads.js';
import { authorize } from './authorize.js';
import { escapeInline } from './escape.js';
import { HELP, mightHoldCommand, parseCommands } from './parse-commands.js';
import { CONFIG_PATH, configErrorComment, parseRepoConfig, type RepoConfig } from './repo-config.js';
import { runCommand } from './run-command.js';

export interface ChatOpsDeps {
  readonly core: CoreDeps;
  readonly github: GitHubPort;
  readonly logger: Logger;
  readonly source: Extract<Source, 'app' | 'action'>;
  /** Least time between two edits of a status comment. */
  readonly editIntervalMs: number;
}

export interface ChatOpsOutcome {
  readonly handled: boolean;
  readonly why: string;
  readonly results: readonly RecoveryResult[];
  readonly closed: boolean;
}

const ignored = (why: string): ChatOpsOutcome => ({ handled: false, why, results: [], closed: false });

export async function handleComment(deps: ChatOpsDeps, event: CommentEvent): Promise<ChatOpsOutcome> {
  const { logger } = deps;
  const github = withBestEffortReactions(deps.github, logger);
  const { comment, issue } = event;
  if (comment.authorType === 'Bot' || comment.author.endsWith('[bot]')) return ignored('comment by a bot');
  if (event.repositoryFork) return ignored('repository is a fork');
  if (!mightHoldCommand(comment.body)) return ignored('no command');

  const loaded = parseRepoConfig(await github.readFile(CONFIG_PATH));
  if (!loaded.ok) {
    await github.react(comment.id, 'confused');
    await github.createComment(
      issue.number,
      configErrorComment(loaded, (t) => escapeInline(t, 300)),
    );
    return { handled: true, why: 'bad repository config', results: [], closed: false };
  }
  const config = loaded.config;
  const parsed = parseCommands(comment.body, config.max_targets);
  if (parsed.length === 0) return ignored('no command outside code, quotes and comments');
  await github.react(comment.id, 'eyes');

  const errors = parsed.filter((p) => !p.ok);
  if (errors.length > 0) {
    await github.react(comment.id, 'confused');
    const lines = errors.map(
      (e) => `- ${escapeInline(e.line, 120)}: ${escapeInline(e.ok ? '' : e.error, 300)}`,
    );
    await github.createComment(
      issue.number,
      ['🩺 medic could not read this command; nothing was run.', '', ...lines, '', HELP].join('\n'),
    );
    return { handled: true, why: 'parse error', results: [], closed: false };
  }
  const decision = await authorize(github, config, comment.author);
  if (!decision.allowed) {
    await github.react(comment.id, '-1');
    await github.createComment(
      issue.number,
      `🩺 medic refused @${escapeInline(comment.author, 40)}: ${decision.reason}. Nothing was run.`,
    );
    return { handled: true, why: 'refused', results: [], closed: false };
  }

  const results: RecoveryResult[] = [];
  let recoverTargetsAllBack = false;
  for (const p of parsed) {
    if (!p.ok) continue;
    const out = await runCommand(deps, issue.number, comment.author, p.command, p.line);
    results.push(...out);
    if (p.command.kind === 'recover' && !p.command.dryRun)
      recoverTargetsAllBack =
        out.length > 0 && out.every((r) => r.outcome === 'recovered' || r.outcome === 'healthy');
  }
  const failed = results.some((r) => !isSuccess(r.outcome));
  await github.react(comment.id, failed ? '-1' : 'rocket');

  const closed = recoverTargetsAllBack && !failed ? await closeIncident(deps, event, config, results) : false;
  logger.info({ issue: issue.number, runs: results.map((r) => r.runId), closed }, 'chatops command done');
  return { handled: true, why: 'ran', results, closed };
}

/** A reaction is feedback, not work: if GitHub refuses one, log it and go on. */
function withBestEffortReactions(github: GitHubPort, logger: Logger): GitHubPort {
  return {
    ...github,
    react: (commentId, content) =>
      github.react(commentId, content).catch((error: unknown) => {
        logger.warn({ commentId, content, err: (error as Error).message }, 'could not add a reaction');
      }),
  };
}

async function closeIncident(
  deps: ChatOpsDeps,
  event: CommentEvent,
  config: RepoConfig,
  results: readonly RecoveryResult[],
): Promise<boolean> {
  const { issue, comment } = event;
  if (!config.close_on_recovery || issue.state !== 'open') return false;
  if (!issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase())) return false;
  const list = results
    .map((r) => `- \`${r.workspace.container}\`: ${r.outcome} (run \`${r.runId}\`)`)
    .join('\n');
  await deps.github.createComment(
    issue.number,
    `🩺 Every workspace named is back. Recovered by @${escapeInline(comment.author, 40)} with medic:\n\n${list}\n\nClosing this incident.`,
  );
  await deps.github.closeIssue(issue.number);
  return true;
}
