// Finds slash commands in a comment: each at the start of a line, outside fenced code
// (CommonMark's rules: a backtick fence's info string has no backticks; a closing fence has
// nothing after it but spaces), indented code, block quotes and HTML comments. Any line
// terminator ends a line (\n, \r\n, a lone \r, U+2028, U+2029); a leading byte-order mark is
// ignored. Arguments may be quoted ("…", '…', or a phone's “…”); every flag takes
// `--flag value` or `--flag=value` (booleans: bare, =true or =false). Every problem is a parse
// error that says what was wrong and what to type instead; nothing is guessed.
import { isUuid, parseTarget } from '../core/index.js';
import { type Command, decision, holdCommand, MAX_REASON, recoverCommand } from './command-shapes.js';
import { type Token, tokenize } from './tokenize.js';

export { type Command, MAX_REASON } from './command-shapes.js';
export { type Token, tokenize } from './tokenize.js';

/** The command word a line starts with (`medic` for `/medic …`). */
export type CommandWord =
  | 'recover'
  | 'diagnose'
  | 'rollback'
  | 'hold'
  | 'release'
  | 'approve'
  | 'deny'
  | 'medic';

export type Parsed =
  | { readonly ok: true; readonly command: Command; readonly line: string; readonly lineNo: number }
  | {
      readonly ok: false;
      readonly error: string;
      readonly line: string;
      readonly lineNo: number;
      readonly word: CommandWord;
    };

const WORDS = 'recover|diagnose|rollback|hold|release|approve|deny|medic';
const COMMAND = new RegExp(`^ {0,3}\\/(${WORDS})(?=\\s|$)([\\s\\S]*)$`);
const ANY_COMMAND_LINE = new RegExp(`^\\uFEFF? {0,3}\\/(${WORDS})\\b`, 'm');
const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/;
const NOT_A_LINE_BREAK = /[^\r\n\u2028\u2029]/g;

/** A cheap first look: could this comment hold a command at all (before parsing it whole)? */
export function mightHoldCommand(body: string): boolean {
  return ANY_COMMAND_LINE.test(body);
}

export const HELP = [
  'Commands (each at the start of a line):',
  '- `/recover <ws-id12|uuid>... [--dry-run] [--force] [--from template] [--reason "why"]`: fill the config volume in from its runtime template (the user\'s files kept; `--from template` writes the template over them), start the workspace, mark it online',
  '- `/diagnose <ws-id12|uuid>...`: show the state of each workspace; changes nothing',
  '- `/rollback <run-id>`: put back the volume content a run snapshotted before it seeded',
  '- `/hold <ws-id12|uuid>... --for 2h --reason "why"`: keep medic (and everyone else) off the workspaces until then (the elevated role)',
  '- `/release <ws-id12|uuid>...`: end their holds early (the elevated role)',
  '- `/approve <request-id>`, `/deny <request-id> [--reason "why"]`: answer a request for approval (another person with the elevated role)',
  '- `/medic help`: this text',
].join('\n');

export function parseCommands(body: string, maxTargets: number): Parsed[] {
  return commandLines(body).map(({ text, lineNo, word }) => {
    try {
      return { ok: true, command: parseLine(text, maxTargets), line: text, lineNo };
    } catch (error) {
      return { ok: false, error: (error as Error).message, line: text, lineNo, word };
    }
  });
}

/** The lines of `body` that start with a command word, outside code, quotes and comments. */
function commandLines(body: string): Array<{ text: string; lineNo: number; word: CommandWord }> {
  const text = body
    .replace(/^\uFEFF/, '')
    // An HTML comment hides what it holds; its line breaks stay, so line numbers do too.
    .replace(/<!--[\s\S]*?(-->|$)/g, (m) => m.replace(NOT_A_LINE_BREAK, ''));
  const out: Array<{ text: string; lineNo: number; word: CommandWord }> = [];
  let fence: { char: string; length: number } | null = null;
  for (const [i, raw] of text.split(LINE_BREAK).entries()) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(raw);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(raw);
    if (open?.[1] && !(open[1][0] === '`' && open[2]?.includes('`'))) {
      fence = { char: open[1][0]!, length: open[1].length };
      continue;
    }
    if (/^( {4,}|\t)/.test(raw) || /^ {0,3}>/.test(raw)) continue;
    const match = COMMAND.exec(raw);
    if (match) out.push({ text: raw.trim(), lineNo: i + 1, word: match[1] as CommandWord });
  }
  return out;
}

function parseLine(line: string, maxTargets: number): Command {
  const [, word, rest = ''] = COMMAND.exec(line) ?? [];
  const args = tokenize(rest);
  if (word === 'medic') {
    if (args.length === 1 && args[0]?.text === 'help') return { kind: 'help' };
    throw new Error('unknown /medic command; the only one is `/medic help`');
  }
  if (word === 'approve' || word === 'deny') return decision(word, args);
  if (word === 'rollback') {
    if (args.length !== 1 || !isUuid(args[0]!.text))
      throw new Error('/rollback takes exactly one run id (a uuid)');
    return { kind: 'rollback', runId: args[0]!.text.toLowerCase() };
  }
  const { flags, targets } = readArgs(word!, args);
  if (targets.length === 0) throw new Error(`/${word} needs at least one workspace (ws-<id12> or a uuid)`);
  if (targets.length > maxTargets)
    throw new Error(`/${word} names ${targets.length} workspaces; at most ${maxTargets} per command`);
  if (word === 'diagnose') return { kind: 'diagnose', targets };
  if (word === 'release') return { kind: 'release', targets };
  const reason = flags.get('--reason');
  if (word === 'hold') return holdCommand(targets, flags.get('--for'), reason);
  return recoverCommand(targets, flags);
}

// A command's options and its targets (each once), in the order given.
function readArgs(word: string, args: readonly Token[]) {
  const flags = new Map<string, string | boolean>();
  const targets: string[] = [];
  let unquotedReasonAt = -1;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.quoted && arg.text.startsWith('-')) {
      const read = readFlag(word, args, i, flags);
      if (read.unquotedReason) unquotedReasonAt = read.at;
      i = read.at;
      continue;
    }
    try {
      parseTarget(arg.text);
    } catch (error) {
      // `--reason volume pruned by cron`: the words after the reason are not workspaces.
      if (unquotedReasonAt >= 0 && i === unquotedReasonAt + 1) {
        const words = [String(flags.get('--reason')), ...takeWords(args, i)].join(' ');
        throw new Error(`a reason of several words must be quoted: --reason "${words}"`);
      }
      throw error;
    }
    if (!targets.includes(arg.text.toLowerCase())) targets.push(arg.text.toLowerCase());
  }
  return { flags, targets };
}

// The option at args[i] (its value may be the next argument), set in `flags`: returns the
// index of the last argument it used, and whether it was a reason given without quotes.
function readFlag(
  word: string,
  args: readonly Token[],
  i: number,
  flags: Map<string, string | boolean>,
): { at: number; unquotedReason: boolean } {
  const arg = args[i]!;
  const [, name = '', value] = /^(--?[^=]*)(?:=([\s\S]*))?$/.exec(arg.text) ?? [];
  const flag = FLAGS[(word as keyof typeof FLAGS) in FLAGS ? (word as keyof typeof FLAGS) : 'diagnose'][name];
  if (!flag) throw new Error(`unknown option ${name} for /${word}`);
  if (flags.has(name)) throw new Error(`${name} is given twice; give it once`);
  if (flag === 'boolean') {
    if (value !== undefined && value !== 'true' && value !== 'false')
      throw new Error(`${name} takes no value, or =true or =false`);
    flags.set(name, value !== 'false');
    return { at: i, unquotedReason: false };
  }
  let text = value;
  let at = i;
  let unquotedReason = false;
  if (text === undefined) {
    const next = args[++at];
    if (!next || (!next.quoted && next.text.startsWith('--'))) {
      throw new Error(`${name} needs a text, e.g. ${name} "volume pruned"`);
    }
    text = next.text;
    unquotedReason = !next.quoted && name === '--reason';
  } else if (!arg.valueQuoted && name === '--reason') {
    unquotedReason = true;
  }
  if (text === '') throw new Error(`${name} needs a text, e.g. ${name} "volume pruned"`);
  if (text.length > MAX_REASON)
    throw new Error(`${name} is ${text.length} characters; at most ${MAX_REASON} are kept, so shorten it`);
  flags.set(name, text);
  return { at, unquotedReason };
}

const FLAGS: Record<'recover' | 'diagnose' | 'hold' | 'release', Record<string, 'boolean' | 'text'>> = {
  recover: {
    '--dry-run': 'boolean',
    '--force': 'boolean',
    '--from': 'text',
    '--plan': 'text',
    '--reason': 'text',
  },
  diagnose: {},
  hold: { '--for': 'text', '--reason': 'text' },
  release: {},
};

/** Unquoted words from `from` up to the next flag or target. */
function takeWords(args: readonly Token[], from: number): string[] {
  const words: string[] = [];
  for (const arg of args.slice(from)) {
    if (arg.text.startsWith('-')) break;
    try {
      parseTarget(arg.text);
      break;
    } catch {
      words.push(arg.text);
    }
  }
  return words;
}
