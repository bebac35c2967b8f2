// Which comments medic leaves alone, said once for both places that ask: the app as a webhook
// arrives (so that a comment with no command costs no job) and the ChatOps flow as it runs (the
// action's only filter). A bot's comment, one with nothing that looks like a command, one older
// than MEDIC_COMMENT_MAX_AGE_S (a redelivery of an old comment acts on nothing).
import type { CommentEvent } from '../github/webhook-payloads.js';
import { mightHoldCommand } from './parse-commands.js';

/** Why this comment is left alone, or null when it may hold a command to run. */
export function ignoredComment(
  comment: Pick<CommentEvent['comment'], 'author' | 'authorType' | 'body' | 'createdAt'>,
  o: { readonly nowMs: number; readonly maxAgeS: number },
): string | null {
  if (comment.authorType === 'Bot' || comment.author.endsWith('[bot]')) return 'comment by a bot';
  if (!mightHoldCommand(comment.body)) return 'no command';
  if (comment.createdAt && o.nowMs - Date.parse(comment.createdAt) > o.maxAgeS * 1000)
    return `comment older than ${o.maxAgeS}s`;
  return null;
}
