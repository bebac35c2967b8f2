// Finds slash commands in a comment: each at the start of a line, outside fenced or indented
// code blocks, block quotes and HTML comments. Arguments may be quoted. Every problem is a
// parse error that says what was wrong; nothing is guessed.
import { isUuid, parseTarget } from '../core/index.js';

export type Command =
  | {
      readonly kind: 'recover';
      readonly targets: string[];
      readonly dryRun: boolean;
      readonly force: boolean;
      readonly reason: string | null;
    }
  | { readonly kind: 'diagnose'; readonly targets: string[] }
  | { readonly kind: 'rollback'; readonly runId: string }
  | { readonly kind: 'help' };

export type Parsed =
  | { readonly ok: true; readonly command: Command; readonly line: string }
  | { readonly ok: false; readonly error: string; readonly line: string };

const WORDS = 'recover|diagnose|rollback|medic';
const COMMAND = new RegExp(`^ {0,3}\\/(${WORDS})(?=\\s|$)(.*)$`);
const ANY_COMMAND_LINE = new RegExp(`^ {0,3}\\/(${WORDS})\\b`, 'm');

/** A cheap first look: could this comment hold a command at all (before parsing it whole)? */
export function mightHoldCommand(body: string): boolean {
  return ANY_COMMAND_LINE.test(body);
}

export const HELP = [
  'Commands (each at the start of a line):',
  '- `/recover <ws-id12|uuid>... [--dry-run] [--force] [--reason "why"]`: reseed an empty config volume from its runtime template, start the workspace, mark it online',
  '- `/diagnose <ws-id12|uuid>...`: show the state of each workspace; changes nothing',
  '- `/rollback <run-id>`: put back the volume content a run snapshotted before it seeded',
  '- `/medic help`: this text',
].join('\n');

export function parseCommands(body: string, maxTargets: number): Parsed[] {
  return commandLines(body).map((line) => {
    try {
      return { ok: true, command: parseLine(line, maxTargets), line };
    } catch (error) {
      return { ok: false, error: (error as Error).message, line };
    }
  });
}

/** The lines of `body` that start with a command word, outside code, quotes and comments. */
function commandLines(body: string): string[] {
  const text = body.replace(/<!--[\s\S]*?(-->|$)/g, (m) => m.replace(/[^\n]/g, ''));
  const out: string[] = [];
  let fence: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (fenceMatch?.[1] && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length)
        fence = null;
      continue;
    }
    if (fenceMatch?.[1]) {
      fence = fenceMatch[1];
      continue;
    }
    if (/^( {4,}|\t)/.test(raw) || /^ {0,3}>/.test(raw)) continue;
    if (COMMAND.test(raw)) out.push(raw.trim());
  }
  return out;
}

function parseLine(line: string, maxTargets: number): Command {
  const [, word, rest = ''] = COMMAND.exec(line) ?? [];
  const args = tokenize(rest);
  if (word === 'medic') {
    if (args.length === 1 && args[0] === 'help') return { kind: 'help' };
    throw new Error('unknown /medic command; the only one is `/medic help`');
  }
  if (word === 'rollback') {
    if (args.length !== 1 || !isUuid(args[0]!))
      throw new Error('/rollback takes exactly one run id (a uuid)');
    return { kind: 'rollback', runId: args[0]!.toLowerCase() };
  }
  let dryRun = false;
  let force = false;
  let reason: string | null = null;
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (word === 'recover' && arg === '--dry-run') dryRun = true;
    else if (word === 'recover' && arg === '--force') force = true;
    else if (word === 'recover' && arg === '--reason') {
      const value = args[++i];
      if (value === undefined || value === '')
        throw new Error('--reason needs a text, e.g. --reason "volume pruned"');
      reason = value.slice(0, 500);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg} for /${word}`);
    else {
      parseTarget(arg); // throws a message naming the bad target
      if (!targets.includes(arg.toLowerCase())) targets.push(arg.toLowerCase());
    }
  }
  if (targets.length === 0) throw new Error(`/${word} needs at least one workspace (ws-<id12> or a uuid)`);
  if (targets.length > maxTargets)
    throw new Error(`/${word} names ${targets.length} workspaces; at most ${maxTargets} per command`);
  return word === 'recover'
    ? { kind: 'recover', targets, dryRun, force, reason }
    : { kind: 'diagnose', targets };
}

/** Splits on white space, keeping "double" or 'single' quoted runs (with \" escapes) whole. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) tokens.push(m[1].replace(/\\(.)/g, '$1'));
    else if (m[2] !== undefined) tokens.push(m[2]);
    else if (m[3] !== undefined) {
      if (/^["']/.test(m[3])) throw new Error('a quote is not closed');
      tokens.push(m[3]);
    }
  }
  return tokens;
}
