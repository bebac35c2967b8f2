// A second pair of eyes (docs/control.md). A rule may say `approval: {rollback: 1, force: 1}`:
// such a command from ChatOps is stored as a request, not run, and its answer names the
// request, who may approve and until when. Another person with the rule's elevated role
// answers `/approve <id>` (or `/deny <id>`) on the same issue; the requester never counts, and
// bots never reach here. The approval binds the command as it was asked (targets and flags):
// once approved, it runs through every usual check again, as the requester (their role looked
// up again), with the approval in its first step and its result.
import {
  type Approval,
  asMedicError,
  currentPolicy,
  emit,
  type Grant,
  grantedRule,
  holdsAtLeast,
  PermissionDeniedError,
  type PolicyRule,
  type RecoveryResult,
} from '../core/index.js';
import { codeSpan, escapeInline } from '../markdown/escape.js';
import {
  type ApprovalRequest,
  approve,
  createRequest,
  deny,
  expireDue,
  loadRequest,
  setRequestComment,
} from './approval-store.js';
import { endedText, pendingText } from './approval-text.js';
import type { CommandContext } from './chatops-context.js';
import type { Command } from './parse-commands.js';

type Gated = Extract<Command, { kind: 'recover' | 'rollback' }>;
type Decision = Extract<Command, { kind: 'approve' | 'deny' }>;
/** Runs an approved command as its requester (run-command.ts's runCommand, passed in). */
export type RunApproved = (
  ctx: CommandContext,
  command: Command,
  line: string,
  approval: Approval,
) => Promise<{ readonly results: readonly RecoveryResult[] }>;

/** How many approvals the rule asks for this command (0: none, it runs now). */
export function approvalsNeeded(rule: PolicyRule, command: Gated): number {
  if (command.kind === 'rollback') return rule.approval?.rollback ?? 0;
  return command.force && !command.dryRun ? (rule.approval?.force ?? 0) : 0;
}

/**
 * When the rule asks approvals for this command: stores the request, answers with it, and
 * returns true (the command is not run now). The requester must hold the elevated role already.
 */
export async function askApproval(ctx: CommandContext, command: Gated, line: string): Promise<boolean> {
  const { deps } = ctx;
  const rule = grantedRule(await currentPolicy(deps.core.db), ctx.grant);
  const needed = approvalsNeeded(rule, command);
  if (needed === 0) return false;
  requireElevated(ctx, rule, '--force and /rollback are elevated');
  const request = await createRequest(deps.core.db, {
    repo: ctx.grant.repo,
    repoId: ctx.grant.repoId,
    issue: ctx.issue,
    installation: deps.installation ?? null,
    requester: ctx.actor,
    requesterId: ctx.actorId ?? null,
    command,
    line,
    needed,
    ttlMs: deps.core.config.approvalTtlMs,
  });
  const id = await deps.writes.schedule('result', () =>
    deps.github.createComment(ctx.issue, pendingText(request, rule)),
  ).done;
  if (id !== undefined) await setRequestComment(deps.core.db, request.id, id);
  deps.logger.info({ request: request.id, requester: ctx.actor, line }, 'command awaits approval');
  await emit(deps.core, 'approval.requested', request, null);
  return true;
}

/** `/approve <id>` or `/deny <id>`: answered on the issue; an approval that completes the request runs it. */
export async function decide(
  ctx: CommandContext,
  command: Decision,
  run: RunApproved,
): Promise<readonly RecoveryResult[]> {
  const { deps } = ctx;
  const say = (text: string) =>
    deps.writes.schedule('result', () => deps.github.createComment(ctx.issue, text)).done;
  const request = await pendingRequest(ctx, command.id, say);
  if (!request) return [];
  const refused = await deciderRefused(ctx, request);
  if (refused) {
    await say(
      `🩺 /${command.kind} ${codeSpan(request.id)} refused: ${codeSpan(refused.code)}: ${escapeInline(refused.message, 300)}`,
    );
    return [];
  }
  if (command.kind === 'deny') {
    await denyRequest(ctx, request, command.reason, say);
    return [];
  }
  return approveRequest(ctx, request, run, say);
}

type Say = (text: string) => Promise<unknown>;

// The request named, if it is this issue's and still pending (else said why, and null).
async function pendingRequest(ctx: CommandContext, id: string, say: Say): Promise<ApprovalRequest | null> {
  const db = ctx.deps.core.db;
  const request = await loadRequest(db, id);
  if (!request || request.repoId !== ctx.grant.repoId || request.issue !== ctx.issue) {
    await say(`🩺 there is no request ${codeSpan(id)} on this issue.`);
    return null;
  }
  if (request.state === 'pending' && request.expiresAt.getTime() <= ctx.deps.core.clock.now().getTime()) {
    for (const expired of await expireDue(db, request.id)) await markComment(ctx, expired);
    await say(
      `🩺 request ${codeSpan(request.id)} expired at ${request.expiresAt.toISOString()}; nothing ran. Ask again.`,
    );
    return null;
  }
  if (request.state !== 'pending') {
    await say(
      `🩺 request ${codeSpan(request.id)} is already ${request.state}${request.decidedBy ? ` (by @${escapeInline(request.decidedBy)})` : ''}.`,
    );
    return null;
  }
  return request;
}

// Why this commenter may not decide the request (the requester themselves, or below the
// rule's elevated role), or null.
async function deciderRefused(ctx: CommandContext, request: ApprovalRequest) {
  try {
    const rule = grantedRule(await currentPolicy(ctx.deps.core.db), ctx.grant);
    const same =
      request.requesterId !== null && ctx.actorId != null
        ? request.requesterId === ctx.actorId
        : ctx.actor.toLowerCase() === request.requester.toLowerCase();
    if (same) {
      throw new PermissionDeniedError({
        required: `another person's ${rule.elevated}`,
        held: ctx.grant.role,
        on: ctx.grant.repo,
        because: 'a requester cannot approve their own command',
      });
    }
    requireElevated(ctx, rule, 'approving an elevated command');
    return null;
  } catch (error) {
    return asMedicError(error);
  }
}

async function denyRequest(ctx: CommandContext, request: ApprovalRequest, reason: string | null, say: Say) {
  const denied = await deny(ctx.deps.core.db, request.id, ctx.actor, reason ?? '');
  if (!denied) {
    await say(`🩺 request ${codeSpan(request.id)} was decided or expired meanwhile; nothing changed.`);
    return;
  }
  await markComment(ctx, denied);
  await say(
    `🩺 request ${codeSpan(request.id)} **denied** by @${escapeInline(ctx.actor)}${reason ? `: ${escapeInline(reason, 300)}` : ''}. Nothing ran.`,
  );
}

// One more approval; the one that completes the request runs it, as the requester.
async function approveRequest(
  ctx: CommandContext,
  request: ApprovalRequest,
  run: RunApproved,
  say: Say,
): Promise<readonly RecoveryResult[]> {
  const approved = await approve(ctx.deps.core.db, request.id, { login: ctx.actor, id: ctx.actorId ?? null });
  if (!approved) {
    await say(
      ctx.actorId == null
        ? `🩺 request ${codeSpan(request.id)}: an approval counts a person by their GitHub user id, and this comment did not carry one; nothing changed.`
        : `🩺 request ${codeSpan(request.id)} was decided, expired, or already has your approval; nothing changed.`,
    );
    return [];
  }
  if (!approved.completed) {
    await say(
      `🩺 @${escapeInline(ctx.actor)} approved request ${codeSpan(request.id)}: ${approved.request.approverIds.length} of ${request.needed}.`,
    );
    return [];
  }
  await markComment(ctx, approved.request);
  // Every usual check again, as the requester: their role now, not when they asked.
  const role = await ctx.deps.github.permissionOf(request.requester);
  const grant: Grant = { ...ctx.grant, role };
  const ran = await run({ ...ctx, actor: request.requester, grant }, request.command, request.line, {
    id: request.id,
    requestedBy: request.requester,
    approvedBy: approved.request.approvers,
  });
  return ran.results;
}

/** Throws PERMISSION_DENIED unless the commenter holds the rule's elevated role. */
function requireElevated(ctx: CommandContext, rule: PolicyRule, because: string): void {
  if (holdsAtLeast(ctx.grant.role, rule.elevated)) return;
  throw new PermissionDeniedError({
    required: rule.elevated,
    held: ctx.grant.role,
    on: ctx.grant.repo,
    because,
  });
}

/** The request's comment, rewritten for how it ended (expired, denied, approved). */
export async function markComment(
  ctx: Pick<CommandContext, 'deps'>,
  request: ApprovalRequest,
): Promise<void> {
  if (request.commentId === null) return;
  const { deps } = ctx;
  const body = endedText(request);
  await deps.writes
    .schedule('progress', () => deps.github.updateComment(request.commentId!, body))
    .done.catch((error: unknown) =>
      deps.logger.warn(
        { request: request.id, err: (error as Error).message },
        'could not update the request comment',
      ),
    );
}
