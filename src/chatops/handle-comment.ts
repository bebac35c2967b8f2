// The ChatOps flow that the app and the action share. In order: ignore what is not ours (bots,
// forks, edits, old comments); check the operator's policy (the repository, the permission
// floor) before anything is echoed; read the repository's file, which may only tighten; parse;
// refuse too many targets, a user not allowed by the file, too many commands; then run each
// command through the core (which checks every workspace against the policy), react, and
// close the incident when every target came back. Every refusal is stored as a run; how a
// comment that does not run is answered is in replies.ts.
import {
  isSuccess,
  NotAllowedError,
  PermissionDeniedError,
  type PolicyRule,
  type RecoveryResult,
  RefusalError,
  TooManyTargetsError,
  takeCommandSlots,
} from '../core/index.js';
import type { CommentEvent } from '../github/webhook-payloads.js';
import { escapeInline } from '../markdown/escape.js';
import type { ChatOpsDeps, ChatOpsOutcome, CommandContext } from './chatops-context.js';
import { closingNote } from './close-incident.js';
import { ignoredComment } from './comment-filter.js';
import { checkFloor } from './floor.js';
import { type Parsed, parseCommands } from './parse-commands.js';
import { answer, parseErrors, react, refuse, refuseAtFloor, targetsOf, unavailable } from './replies.js';
import { CONFIG_PATH, configErrorComment, parseRepoConfig, type RepoConfig, tighten } from './repo-config.js';
import { checkRepoRules } from './repo-rules.js';
import { runCommand } from './run-command.js';

export type { ChatOpsDeps, ChatOpsOutcome } from './chatops-context.js';

/** A comment that met the floor: its context, the rule that granted it, the role held. */
interface Passed {
  readonly ctx: CommandContext;
  readonly rule: PolicyRule;
  readonly held: string;
}

const ignored = (why: string): ChatOpsOutcome => ({ handled: false, why, results: [], closed: false });

export async function handleComment(deps: ChatOpsDeps, event: CommentEvent): Promise<ChatOpsOutcome> {
  const { comment } = event;
  const parsed = commandsOf(deps, event);
  if ('handled' in parsed) return parsed;
  const repo = `${deps.github.owner}/${deps.github.repo}`;
  // The operator's policy first: a repository it does not grant, or a user below its floor,
  // learns nothing else, and a flood of them costs no GitHub call (floor.ts).
  // One check at a time per actor and repository in this process (FloorQueue): a refusal is
  // recorded before the next comment of theirs is checked.
  const atFloor = () => passFloor(deps, event, parsed, repo);
  const passed = await (deps.floors ? deps.floors.run(comment.author, repo, atFloor) : atFloor());
  if (!('ctx' in passed)) return passed;
  // Strangers' refusals wait while this granted command runs: none takes the gap its writes need.
  const release = deps.writes.holdLow();
  try {
    return await runGranted(deps, event, passed, parsed);
  } catch (error) {
    release(); // its own refusal is one of those held
    // Below a repository file's floor, or not among its allowed users: a stranger to it.
    if (error instanceof PermissionDeniedError || error instanceof NotAllowedError)
      return refuseAtFloor(passed.ctx, comment.id, parsed, error);
    if (error instanceof RefusalError) return refuse(passed.ctx, comment.id, parsed, error);
    throw error;
  } finally {
    release();
  }
}

// The comment's commands, or why it is not ours to run (a bot's, an edit, too old, a fork's,
// no command outside code, quotes and comments).
function commandsOf(deps: ChatOpsDeps, event: CommentEvent): readonly Parsed[] | ChatOpsOutcome {
  const left = deps.filteredOnArrival
    ? null
    : ignoredComment(event.comment, { nowMs: deps.core.clock.now().getTime(), maxAgeS: deps.commentMaxAgeS });
  if (left) return ignored(left.why);
  if (event.repositoryFork) return ignored('repository is a fork');
  const parsed = parseCommands(event.comment.body, Number.MAX_SAFE_INTEGER);
  if (parsed.length === 0) return ignored('no command outside code, quotes and comments');
  return parsed;
}

// The policy's floor for this actor in this repository: passed (with the command's context),
// refused (answered, on the record), or the check could not be made.
async function passFloor(
  deps: ChatOpsDeps,
  { comment, issue, repository }: CommentEvent,
  parsed: readonly Parsed[],
  repo: string,
): Promise<Passed | ChatOpsOutcome> {
  const { github } = deps;
  const source = { repo, repoId: repository?.id ?? null, ownerId: repository?.ownerId ?? null };
  const floor = await checkFloor(deps.core, github, { actor: comment.author, source });
  if (floor.kind === 'unavailable') return unavailable(deps, issue.number, comment.id, floor.error);
  const ctx: CommandContext = {
    deps: { ...deps, github },
    issue: issue.number,
    actor: comment.author,
    actorId: comment.authorId ?? null,
    grant: { ...source, role: floor.held, origin: { repo, issue: issue.number, comment: comment.id } },
    notes: [],
  };
  if (floor.kind === 'refused') return refuseAtFloor(ctx, comment.id, parsed, floor.error);
  return { ctx, rule: floor.rule, held: floor.held };
}

// Past the floor: the repository's file (which may only tighten), the parse errors, the
// targets' count, the file's users, the rate limit; then every command, and the answer.
async function runGranted(
  deps: ChatOpsDeps,
  event: CommentEvent,
  { ctx, rule, held }: Passed,
  parsed: readonly Parsed[],
): Promise<ChatOpsOutcome> {
  const { github } = deps;
  const { comment } = event;
  const ack = react(ctx, comment.id, 'eyes', 'ack');
  const loaded = parseRepoConfig(await github.readFile(CONFIG_PATH));
  if (!loaded.ok) {
    await answer(
      ctx,
      configErrorComment(loaded, (t) => escapeInline(t, 300)),
    );
    void react(ctx, comment.id, 'confused', 'reaction');
    return { handled: true, why: 'bad repository config', results: [], closed: false };
  }
  const effective = tighten(loaded.config, rule);
  const errors = parsed.filter((p) => !p.ok);
  if (errors.length > 0) return await parseErrors(ctx, comment.id, errors);
  const targets = parsed.reduce((n, p) => n + (p.ok ? targetsOf(p.command).length : 0), 0);
  if (targets > effective.maxTargets) {
    throw new TooManyTargetsError(
      `this comment names ${targets} workspaces; at most ${effective.maxTargets} per comment`,
      { hint: 'split it into several comments' },
    );
  }
  await checkRepoRules(github, { config: loaded.config, effective, login: comment.author, held });
  await takeCommandSlots(deps.core.db, comment.author, ctx.grant.repo, parsed.length);
  const commands = parsed.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
  const ran = await runEach({ ...ctx, notes: effective.notes }, event, commands, loaded.config, ack);
  return answered(deps, event, ctx, ran);
}

// Each command in turn, each answered in the status comment as it ends.
async function runEach(
  ctx: CommandContext,
  event: CommentEvent,
  commands: readonly Extract<Parsed, { ok: true }>[],
  config: RepoConfig,
  ack: { cancel(): void },
): Promise<{ results: RecoveryResult[]; closing: boolean }> {
  const { issue } = event;
  const lastRecover = commands.findLast((p) => p.command.kind === 'recover' && !p.command.dryRun);
  const incident = issue.labels.some((l) => l.toLowerCase() === config.incident_label.toLowerCase());
  const opened = incident && issue.createdAt ? { detectedAt: issue.createdAt } : {};
  const results: RecoveryResult[] = [];
  let closing = false;
  for (const p of commands) {
    // The last real /recover ends its status comment with the closing note, when every
    // workspace named came back and nothing before it failed.
    const closeWith =
      p === lastRecover
        ? (out: readonly RecoveryResult[]) =>
            results.every((r) => isSuccess(r.outcome)) ? closingNote(event, config, out) : null
        : undefined;
    const run = await runCommand({ ...ctx, ...opened }, p.command, p.line, { closing: closeWith });
    // Once an answer is out, an acknowledgement still waiting would say nothing new.
    ack.cancel();
    results.push(...run.results);
    closing = run.closing;
  }
  return { results, closing };
}

// The answer is out; the close and the reaction follow through the pacer without holding
// this command (or a worker) up: with many commands, their results go first.
function answered(
  deps: ChatOpsDeps,
  { comment, issue }: CommentEvent,
  ctx: CommandContext,
  { results, closing }: { results: RecoveryResult[]; closing: boolean },
): ChatOpsOutcome {
  const failed = results.some((r) => !isSuccess(r.outcome));
  const closed = closing && !failed;
  if (closed) {
    deps.writes
      .schedule('close', () => deps.github.closeIssue(issue.number))
      .done.catch((error: unknown) =>
        deps.logger.error(
          { issue: issue.number, err: (error as Error).message },
          'could not close the incident',
        ),
      );
  }
  void react(ctx, comment.id, failed ? '-1' : 'rocket', 'reaction');
  deps.logger.info(
    { issue: issue.number, runs: results.map((r) => r.runId), closed },
    'chatops command done',
  );
  return { handled: true, why: 'ran', results, closed };
}
