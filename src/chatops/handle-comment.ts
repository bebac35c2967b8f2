// The ChatOps flow that the app and the action share. In order: ignore what is not ours (bots,
// forks, edits, old comments); check the operator's policy (the repository, the permission
// floor) before anything is echoed; read the repository's file, which may only tighten; parse;
// refuse too many targets, a user not allowed by the file, too many commands; then run each
// command through the core (which checks every workspace against the policy), react, and
// close the incident when every target came back. Every refusal is stored as a run.
import {
  type CoreDeps,
  type Executor,
  type GitHubUnavailableError,
  isSuccess,
  type Logger,
  NotAllowedError,
  PermissionDeniedError,
  type PolicyRule,
  REFUSAL_WINDOW_S,
  type RecoveryResult,
  RefusalError,
  recordRefusal,
  refuseCommand,
  type Source,
  TooManyTargetsError,
  takeCommandSlots,
} from '../core/index.js';
import type { GitHubPort, Reaction } from '../github/github-port.js';
import type { CommentEvent } from '../github/webhook-payloads.js';
import type { PacedWrite, WritePacer } from '../github/write-pacer.js';
import { closingNote } from './close-incident.js';
import { codeSpan, escapeInline } from './escape.js';
import { checkFloor, type FloorQueue } from './floor.js';
import { HELP, mightHoldCommand, type Parsed, parseCommands } from './parse-commands.js';
import { CONFIG_PATH, configErrorComment, parseRepoConfig, tighten } from './repo-config.js';
import { checkRepoRules } from './repo-rules.js';
import { type CommandContext, runCommand } from './run-command.js';

export interface ChatOpsDeps {
  readonly core: CoreDeps;
  readonly github: GitHubPort;
  readonly logger: Logger;
  readonly source: Extract<Source, 'app' | 'action'>;
  /** Least time between two edits of a status comment. */
  readonly editIntervalMs: number;
  /** Comments older than this are ignored (MEDIC_COMMENT_MAX_AGE_S). */
  readonly commentMaxAgeS: number;
  /** The installation's write pacer: every write to GitHub goes through it. */
  readonly writes: WritePacer;
  /** Where commands run: this process (the default), or the agents of the workspaces' engines. */
  readonly executor?: Executor;
  /** The job's fence (src/queue): every run of this comment stops before a change once the job is not ours. */
  readonly fence?: () => Promise<void>;
  /** One floor check at a time per actor and repository (the app's, shared by its jobs). */
  readonly floors?: FloorQueue;
}

export interface ChatOpsOutcome {
  readonly handled: boolean;
  readonly why: string;
  readonly results: readonly RecoveryResult[];
  readonly closed: boolean;
}

/** A comment that met the floor: its context, the rule that granted it, the role held. */
interface Passed {
  readonly ctx: CommandContext;
  readonly rule: PolicyRule;
  readonly held: string;
}

const ignored = (why: string): ChatOpsOutcome => ({ handled: false, why, results: [], closed: false });

export async function handleComment(deps: ChatOpsDeps, event: CommentEvent): Promise<ChatOpsOutcome> {
  const { github } = deps;
  const { comment, issue } = event;
  if (comment.authorType === 'Bot' || comment.author.endsWith('[bot]')) return ignored('comment by a bot');
  if (event.repositoryFork) return ignored('repository is a fork');
  if (!mightHoldCommand(comment.body)) return ignored('no command');
  if (tooOld(comment.createdAt, deps)) return ignored(`comment older than ${deps.commentMaxAgeS}s`);
  const parsed = parseCommands(comment.body, Number.MAX_SAFE_INTEGER);
  if (parsed.length === 0) return ignored('no command outside code, quotes and comments');

  const repo = `${github.owner}/${github.repo}`;
  const source = { repo, repoId: event.repository?.id ?? null, ownerId: event.repository?.ownerId ?? null };
  // The operator's policy first: a repository it does not grant, or a user below its floor,
  // learns nothing else, and a flood of them costs no GitHub call (floor.ts).
  // One check at a time per actor and repository in this process (FloorQueue): a refusal is
  // recorded before the next comment of theirs is checked.
  const atFloor = async (): Promise<Passed | ChatOpsOutcome> => {
    const floor = await checkFloor(deps.core, github, { actor: comment.author, source });
    if (floor.kind === 'unavailable') return unavailable(deps, issue.number, comment.id, floor.error);
    const ctx: CommandContext = {
      deps: { ...deps, github },
      issue: issue.number,
      actor: comment.author,
      grant: { ...source, role: floor.held, origin: { repo, issue: issue.number, comment: comment.id } },
      notes: [],
    };
    if (floor.kind === 'refused') return refuseAtFloor(ctx, comment.id, parsed, floor.error);
    return { ctx, rule: floor.rule, held: floor.held };
  };
  const passed = await (deps.floors ? deps.floors.run(comment.author, repo, atFloor) : atFloor());
  if (!('ctx' in passed)) return passed;
  const { ctx, rule, held } = passed;
  const refused = (error: RefusalError) => refuse(ctx, comment.id, parsed, error);
  try {
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
        {
          hint: 'split it into several comments',
        },
      );
    }
    await checkRepoRules(github, { config: loaded.config, effective, login: comment.author, held });
    await takeCommandSlots(deps.core.db, comment.author, repo, parsed.length);
    const commands = parsed.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
    const lastRecover = commands.findLast((p) => p.command.kind === 'recover' && !p.command.dryRun);
    const results: RecoveryResult[] = [];
    let closing = false;
    for (const p of commands) {
      // The last real /recover ends its status comment with the closing note, when every
      // workspace named came back and nothing before it failed.
      const closeWith =
        p === lastRecover
          ? (out: readonly RecoveryResult[]) =>
              results.every((r) => isSuccess(r.outcome)) ? closingNote(event, loaded.config, out) : null
          : undefined;
      const run = await runCommand({ ...ctx, notes: effective.notes }, p.command, p.line, {
        closing: closeWith,
      });
      // Once an answer is out, an acknowledgement still waiting would say nothing new.
      ack.cancel();
      results.push(...run.results);
      closing = run.closing;
    }
    const failed = results.some((r) => !isSuccess(r.outcome));
    const closed = closing && !failed;
    // The answer is out; the close and the reaction follow through the pacer without holding
    // this command (or a worker) up: with many commands, their results go first.
    if (closed) {
      deps.writes
        .schedule('close', () => github.closeIssue(issue.number))
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
  } catch (error) {
    // Below a repository file's floor, or not among its allowed users: a stranger to it.
    if (error instanceof PermissionDeniedError || error instanceof NotAllowedError)
      return refuseAtFloor(ctx, comment.id, parsed, error);
    if (error instanceof RefusalError) return refused(error);
    throw error;
  }
}

function tooOld(createdAt: string | null, deps: ChatOpsDeps): boolean {
  if (!createdAt) return false;
  return deps.core.clock.now().getTime() - Date.parse(createdAt) > deps.commentMaxAgeS * 1000;
}

function targetsOf(command: Extract<Parsed, { ok: true }>['command']): readonly string[] {
  if (command.kind === 'recover' || command.kind === 'diagnose') return command.targets;
  return command.kind === 'rollback' ? [command.runId] : [];
}

/** The refusal stored as a run: its command and first target, as the comment named them. */
function storeRefusal(ctx: CommandContext, parsed: readonly Parsed[], error: RefusalError) {
  const first = parsed.find((p): p is Extract<Parsed, { ok: true }> => p.ok && p.command.kind !== 'help');
  const command =
    first?.command.kind === 'rollback'
      ? 'rollback'
      : first?.command.kind === 'diagnose'
        ? 'diagnose'
        : 'recover';
  const target = first ? (targetsOf(first.command)[0] ?? '') : '';
  const request = { actor: ctx.actor, source: ctx.deps.source, grant: ctx.grant };
  return refuseCommand(ctx.deps.core, { command, target, options: request, error });
}

/** A granted user's command refused (too many targets, rate, a repository's file): answered at once. */
async function refuse(
  ctx: CommandContext,
  commentId: number,
  parsed: readonly Parsed[],
  error: RefusalError,
) {
  const result = await storeRefusal(ctx, parsed, error);
  await answer(ctx, refusalText(ctx.actor, error));
  void react(ctx, commentId, '-1', 'reaction');
  return { handled: true, why: `refused: ${error.code}`, results: [result], closed: false };
}

/**
 * Refused at the floor (an ungranted repository, a role below the rule's): stored and counted
 * always; answered in writing once per actor and repository in 10 minutes, then with a 👎,
 * then not at all. The answer waits behind every granted command's writes and holds no worker.
 */
async function refuseAtFloor(
  ctx: CommandContext,
  commentId: number,
  parsed: readonly Parsed[],
  error: RefusalError,
): Promise<ChatOpsOutcome> {
  const { deps } = ctx;
  const result = await storeRefusal(ctx, parsed, error);
  const answered = await recordRefusal(deps.core.db, {
    actor: ctx.actor,
    repo: ctx.grant.repo,
    code: error.code,
    held: ctx.grant.role,
  });
  if (answered === 'comment') {
    const quiet = ` Further refusals of @${escapeInline(ctx.actor, 40)} here in the next ${REFUSAL_WINDOW_S / 60} minutes get no comment.`;
    deps.writes
      .schedule('refusal', () =>
        deps.github.createComment(ctx.issue, `${refusalText(ctx.actor, error)}${quiet}`),
      )
      .done.catch((e: unknown) =>
        deps.logger.warn({ issue: ctx.issue, err: (e as Error).message }, 'could not write a refusal'),
      );
  }
  if (answered !== 'none') void react(ctx, commentId, '-1', 'reaction');
  return {
    handled: true,
    why: `refused: ${error.code} (answer: ${answered})`,
    results: [result],
    closed: false,
  };
}

/** The permission look-up failed (not a 404): the user is told to retry; nothing ran. */
async function unavailable(
  deps: ChatOpsDeps,
  issue: number,
  commentId: number,
  error: GitHubUnavailableError,
): Promise<ChatOpsOutcome> {
  deps.logger.warn({ issue, code: error.code, err: error.message }, 'permission look-up failed');
  const body = `🩺 medic ${codeSpan(error.code)}: ${escapeInline(error.message, 300)}. Nothing was run; comment the command again in a minute.`;
  await deps.writes.schedule('result', () => deps.github.createComment(issue, body)).done;
  void deps.writes
    .schedule('reaction', () => deps.github.react(commentId, 'confused'))
    .done.catch(() => undefined);
  return { handled: true, why: `unavailable: ${error.code}`, results: [], closed: false };
}

/** The one comment a refusal gets: its code, and for a permission the roles as code spans. */
export function refusalText(actor: string, error: RefusalError): string {
  const why =
    error instanceof PermissionDeniedError
      ? `this needs ${codeSpan(error.required)} permission; you have ${codeSpan(error.held)}`
      : escapeInline(error.message, 300);
  const hint = error.hint ? ` (${escapeInline(error.hint, 200)})` : '';
  return `🩺 medic refused @${escapeInline(actor, 40)}: ${codeSpan(error.code)}: ${why}${hint}. Nothing was run.`;
}

async function parseErrors(
  ctx: CommandContext,
  commentId: number,
  errors: readonly Parsed[],
): Promise<ChatOpsOutcome> {
  await answer(ctx, parseErrorReply(errors));
  void react(ctx, commentId, 'confused', 'reaction');
  return { handled: true, why: 'parse error', results: [], closed: false };
}

/** Errors shown in one reply at most; the rest are counted. Keeps the reply far under GitHub's 65,536 characters. */
export const ERRORS_SHOWN = 10;

/** The one reply to a comment with command lines that cannot run: the first few, and how many more. */
export function parseErrorReply(errors: readonly Parsed[]): string {
  const shown = errors
    .slice(0, ERRORS_SHOWN)
    .map(
      (e) => `- line ${e.lineNo}: ${escapeInline(e.line, 120)}: ${escapeInline(e.ok ? '' : e.error, 300)}`,
    );
  const more = errors.length - shown.length;
  const rest = more > 0 ? [`- …and ${more} more ${more === 1 ? 'line' : 'lines'} that cannot run`] : [];
  return ['🩺 medic could not read this command; nothing was run.', '', ...shown, ...rest, '', HELP].join(
    '\n',
  );
}

/** A comment that answers the command: a result write, ahead of acknowledgements and reactions. */
async function answer(ctx: CommandContext, body: string): Promise<void> {
  await ctx.deps.writes.schedule('result', () => ctx.deps.github.createComment(ctx.issue, body)).done;
}

/**
 * A reaction is feedback, not work: paced as the kind it is (an acknowledgement, or a
 * decoration that may be dropped when writes are queued), and if GitHub refuses one, it is
 * logged and the command goes on.
 */
function react(
  ctx: CommandContext,
  commentId: number,
  content: Reaction,
  kind: 'ack' | 'reaction',
): PacedWrite<unknown> {
  const write = ctx.deps.writes.schedule(kind, () => ctx.deps.github.react(commentId, content));
  write.done.catch((error: unknown) =>
    ctx.deps.logger.warn({ commentId, content, err: (error as Error).message }, 'could not add a reaction'),
  );
  return write;
}
