// How a comment is answered when it does not run: a refusal (stored as a run; a stranger's
// answered within the refusal budget, behind every granted command's writes), GitHub being
// unreachable for the permission look-up, or command lines that cannot be read. And the two
// write helpers every answer goes through: a result comment, and a reaction.
import {
  type GitHubUnavailableError,
  PermissionDeniedError,
  REFUSAL_WINDOW_S,
  type RefusalError,
  recordRefusal,
  refuseCommand,
} from '../core/index.js';
import type { Reaction } from '../github/github-port.js';
import type { PacedWrite } from '../github/write-pacer.js';
import { codeSpan, escapeInline } from '../markdown/escape.js';
import type { ChatOpsDeps, ChatOpsOutcome, CommandContext } from './chatops-context.js';
import { HELP, type Parsed } from './parse-commands.js';

/** The workspaces (or run) a parsed command names. */
export function targetsOf(command: Extract<Parsed, { ok: true }>['command']): readonly string[] {
  if (
    command.kind === 'recover' ||
    command.kind === 'diagnose' ||
    command.kind === 'hold' ||
    command.kind === 'release'
  )
    return command.targets;
  return command.kind === 'rollback' ? [command.runId] : [];
  // /approve and /deny name a request, not a workspace: its command's targets were counted when asked.
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
export async function refuse(
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
export async function refuseAtFloor(
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
export async function unavailable(
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

export async function parseErrors(
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
export async function answer(ctx: CommandContext, body: string): Promise<void> {
  await ctx.deps.writes.schedule('result', () => ctx.deps.github.createComment(ctx.issue, body)).done;
}

/**
 * A reaction is feedback, not work: paced as the kind it is (an acknowledgement, or a
 * decoration that may be dropped when writes are queued), and if GitHub refuses one, it is
 * logged and the command goes on.
 */
export function react(
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
