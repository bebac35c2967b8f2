// Which comments medic leaves alone, said once and asked once per comment: by the app as a
// webhook arrives (so that a comment with no command costs no job, and a stored job is not
// judged again when it runs), by the ChatOps flow for the action (its only filter). A bot's comment, one with nothing that looks like a command, one older
// than MEDIC_COMMENT_MAX_AGE_S (a redelivery of an old comment acts on nothing).
import type { CommentEvent } from '../github/webhook-payloads.js';
import { mightHoldCommand } from './parse-commands.js';

export interface Ignored {
  readonly kind: 'bot' | 'no command' | 'too old';
  readonly why: string;
}

/** Why this comment is left alone, or null when it may hold a command to run. */
export function ignoredComment(
  comment: Pick<CommentEvent['comment'], 'author' | 'authorType' | 'body' | 'createdAt'>,
  o: { readonly nowMs: number; readonly maxAgeS: number },
): Ignored | null {
  if (comment.authorType === 'Bot' || comment.author.endsWith('[bot]'))
    return { kind: 'bot', why: 'comment by a bot' };
  if (!mightHoldCommand(comment.body)) return { kind: 'no command', why: 'no command' };
  if (comment.createdAt && o.nowMs - Date.parse(comment.createdAt) > o.maxAgeS * 1000)
    return { kind: 'too old', why: `comment older than ${o.maxAgeS}s` };
  return null;
}
