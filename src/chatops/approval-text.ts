// What an approval request says on its issue: the command it binds, waiting, and how it ended.
import type { PolicyRule } from '../core/index.js';
import { codeSpan, escapeInline } from '../markdown/escape.js';
import type { ApprovalRequest } from './approval-store.js';
import type { Command } from './parse-commands.js';

type Gated = Extract<Command, { kind: 'recover' | 'rollback' }>;

/** Targets shown in an approval request before the rest are counted. */
const SHOWN_TARGETS = 10;

/**
 * The command an approval binds, from its parsed form (what will run, not the comment's text):
 * every flag, the targets up to ten and then how many more, a long reason cut with a mark.
 */
export function describeGated(command: Gated): string {
  if (command.kind === 'rollback') return `${codeSpan(`/rollback ${command.runId}`)}`;
  const shown = command.targets.slice(0, SHOWN_TARGETS).map((t) => codeSpan(t, 80));
  const more = command.targets.length - shown.length;
  const flags = [command.force ? '`--force`' : null, command.dryRun ? '`--dry-run`' : null].filter(Boolean);
  const reason = command.reason
    ? ` with reason “${escapeInline(command.reason, 200)}”${command.reason.length > 200 ? ' (cut)' : ''}`
    : '';
  return `\`/recover\` of ${command.targets.length} workspace${command.targets.length === 1 ? '' : 's'} (${shown.join(' ')}${more > 0 ? ` … and ${more} more` : ''})${flags.length ? ` ${flags.join(' ')}` : ''}${reason}`;
}

export function pendingText(r: ApprovalRequest, rule: PolicyRule): string {
  return [
    `🩺 ${describeGated(r.command as Gated)} by @${escapeInline(r.requester)} **awaits approval**: request ${codeSpan(r.id)}.`,
    '',
    `It needs ${r.needed} approval${r.needed > 1 ? 's' : ''} from another person with ${rule.elevated} or more on ${escapeInline(r.repo)} (not @${escapeInline(r.requester)}; bots do not count), by ${r.expiresAt.toISOString()}.`,
    `Answer \`/approve ${r.id}\`, or \`/deny ${r.id} --reason "why"\`. Nothing runs until then.`,
  ].join('\n');
}

export function endedText(r: ApprovalRequest): string {
  const head = `🩺 ${describeGated(r.command as Gated)} by @${escapeInline(r.requester)}, request ${codeSpan(r.id)}:`;
  if (r.state === 'approved')
    return `${head} **approved** by ${r.approvers.map((a) => `@${escapeInline(a)}`).join(', ')}; it runs now (its result follows).`;
  if (r.state === 'denied')
    return `${head} **denied** by @${escapeInline(r.decidedBy ?? '')}${r.denyReason ? `: ${escapeInline(r.denyReason, 300)}` : ''}. Nothing ran.`;
  if (r.state === 'expired')
    return `${head} **expired** at ${r.expiresAt.toISOString()} unanswered. Nothing ran.`;
  return head;
}
