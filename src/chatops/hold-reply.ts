// /hold and /release on an issue: the core places or ends the holds (each workspace checked
// against the policy with the rule's elevated role), and the answer says what is held, by whom,
// why and until when, or why nothing was.
import {
  asMedicError,
  type CoreDeps,
  describeHold,
  type Hold,
  hold,
  holdSubject,
  type RunOptions,
  release,
} from '../core/index.js';
import { codeSpan, escapeInline } from '../markdown/escape.js';
import type { Command } from './parse-commands.js';

type HoldCommand = Extract<Command, { kind: 'hold' | 'release' }>;

export async function holdReply(
  core: CoreDeps,
  command: HoldCommand,
  request: Pick<RunOptions, 'actor' | 'source' | 'grant'>,
): Promise<string> {
  try {
    if (command.kind === 'hold') {
      const placed = await hold(
        core,
        { targets: command.targets },
        { ...request, reason: command.reason, forMs: command.forMs },
      );
      return [
        '🩺 **held**: medic and everyone else keep off until the hold ends or `/release`.',
        '',
        ...placed.map(line),
      ].join('\n');
    }
    const ended = await release(core, { targets: command.targets }, request);
    if (ended.length === 0)
      return `🩺 no live hold on ${command.targets.map((t) => codeSpan(t)).join(', ')}: nothing released.`;
    return ['🩺 **released**: medic heals these again when they need it.', '', ...ended.map(line)].join('\n');
  } catch (error) {
    const e = asMedicError(error);
    return `🩺 /${command.kind} did nothing: ${codeSpan(e.code)}: ${escapeInline(e.message, 300)}${e.hint ? `\n\n_${escapeInline(e.hint, 300)}_` : ''}`;
  }
}

function line(h: Hold): string {
  return `- ${codeSpan(holdSubject(h))}: ${escapeInline(describeHold(h), 400)}`;
}
