// The comment parser against the field's own test suites: each case is a peer's input (or its
// medic counterpart), with the peer's file named, and the answer medic gives. Where medic
// deliberately differs, the case says why. Then the fixes these cases asked for.
import { describe, expect, it } from 'vitest';
import { MAX_REASON, mightHoldCommand, parseCommands } from '../../src/chatops/parse-commands.js';
import { parseErrorReply } from '../../src/chatops/replies.js';

const WS = 'ws-92f6d88b-6a9';
const WS2 = 'ws-aaaaaaaa-bbb';
const run = (body: string) =>
  parseCommands(body, 10).map((p) =>
    p.ok ? { line: p.lineNo, ...p.command } : { line: p.lineNo, error: p.error },
  );
const recover = (extra: Record<string, unknown> = {}) => ({
  kind: 'recover',
  targets: [WS],
  dryRun: false,
  force: false,
  reason: null,
  ...extra,
});

interface PeerCase {
  readonly peer: string;
  readonly name: string;
  readonly body: string;
  readonly expected: readonly unknown[];
}

const PEERS: PeerCase[] = [
  // kubernetes/test-infra prow/plugins/trigger/trigger_test.go: "Retest with one running and one failed, trailing space." (Body "/retest \r")
  {
    peer: 'prow trigger_test.go',
    name: 'a command ended by a lone carriage return',
    body: `/recover ${WS} \r`,
    expected: [{ line: 1, ...recover() }],
  },
  {
    peer: 'prow trigger_test.go',
    name: 'help ended by a lone carriage return',
    body: '/medic help \r',
    expected: [{ line: 1, kind: 'help' }],
  },
  {
    peer: 'prow trigger_test.go',
    name: 'two commands separated by a lone \\r',
    body: `/recover ${WS}\r/diagnose ${WS2}`,
    expected: [
      { line: 1, ...recover() },
      { line: 2, kind: 'diagnose', targets: [WS2] },
    ],
  },
  {
    peer: 'ECMAScript LineTerminator (U+2028, U+2029)',
    name: 'line and paragraph separators end lines',
    body: `hi\u2028/recover ${WS}\u2029/medic help`,
    expected: [
      { line: 2, ...recover() },
      { line: 3, kind: 'help' },
    ],
  },
  // github/branch-deploy __tests__/functions/params.test.ts: "--env.foo=bar", "--enabled=true --disabled false"
  {
    peer: 'branch-deploy params.test.ts',
    name: '--flag=value',
    body: `/recover ${WS} --reason=volume-pruned`,
    expected: [{ line: 1, ...recover({ reason: 'volume-pruned' }) }],
  },
  {
    peer: 'branch-deploy params.test.ts',
    name: '--flag="quoted value"',
    body: `/recover ${WS} --reason="volume pruned"`,
    expected: [{ line: 1, ...recover({ reason: 'volume pruned' }) }],
  },
  {
    peer: 'branch-deploy params.test.ts',
    name: 'a boolean as --flag=true',
    body: `/recover ${WS} --dry-run=true --force=false`,
    expected: [{ line: 1, ...recover({ dryRun: true }) }],
  },
  {
    peer: 'branch-deploy params.test.ts',
    name: '--flag value',
    body: `/recover ${WS} --reason pruned`,
    expected: [{ line: 1, ...recover({ reason: 'pruned' }) }],
  },
  // rust-lang/bors src/bors/command/parser.rs: parse_duplicate_priority ("@bors p=1 p=2" is DuplicateArg)
  {
    peer: 'bors parser.rs parse_duplicate_priority',
    name: 'a flag given twice',
    body: `/recover ${WS} --reason a --reason b`,
    expected: [{ line: 1, error: '--reason is given twice; give it once' }],
  },
  // bors parser.rs parse_approve_priority_empty ("@bors r+ p=" is MissingArgValue)
  {
    peer: 'bors parser.rs parse_approve_priority_empty',
    name: 'a flag with an empty value',
    body: `/recover ${WS} --reason=`,
    expected: [{ line: 1, error: '--reason needs a text, e.g. --reason "volume pruned"' }],
  },
  // bors parser.rs parse_try_unknown_kv_arg ("@bors try a=b" is UnknownArg)
  {
    peer: 'bors parser.rs parse_try_unknown_kv_arg',
    name: 'an unknown --key=value',
    body: `/recover ${WS} --now=yes`,
    expected: [{ line: 1, error: 'unknown option --now for /recover' }],
  },
  // bors parser.rs parse_command_multiline; jpmcb/prow-github-actions __tests__/utils/command.test.ts "handles comments with multiple lines"
  {
    peer: 'bors parse_command_multiline, prow-github-actions command.test.ts',
    name: 'commands among prose lines',
    body: `Here is something\n/recover ${WS}\nmore prose\n/diagnose ${WS2}\ninvalid`,
    expected: [
      { line: 2, ...recover() },
      { line: 4, kind: 'diagnose', targets: [WS2] },
    ],
  },
  // bors parser.rs parse_rollup_unknown_arg ("@bors rollup a" ignores "a"). medic differs on purpose: a
  // trailing word may be a mistyped workspace, and a recovery must not run on a guess.
  {
    peer: 'bors parser.rs parse_rollup_unknown_arg (medic differs)',
    name: 'a trailing word is an error, not ignored',
    body: `/recover ${WS} now`,
    expected: [{ line: 1, error: expect.stringContaining('"now" is not a workspace') }],
  },
  // CommonMark 0.31 §4.5 fenced code blocks (the peers that skip code blocks follow it): an info
  // string of a backtick fence may not contain backticks, so "```not`a`fence" is a paragraph.
  {
    peer: 'CommonMark §4.5',
    name: '"```not`a`fence" is not a fence',
    body: `\`\`\`not\`a\`fence\n/recover ${WS}`,
    expected: [{ line: 2, ...recover() }],
  },
  {
    peer: 'CommonMark §4.5',
    name: 'a closing fence may not carry text: "``` done" does not close',
    body: `\`\`\`\n/recover ${WS}\n\`\`\` done\n/recover ${WS2}\n\`\`\``,
    expected: [],
  },
  {
    peer: 'CommonMark §4.5',
    name: 'a longer closing fence closes',
    body: `\`\`\`\n/recover ${WS}\n\`\`\`\`\n/medic help`,
    expected: [{ line: 4, kind: 'help' }],
  },
  // medic differs on purpose: an HTML comment hides its text from readers, so a command in it
  // would run unseen by everyone reviewing the thread.
  {
    peer: 'medic (deliberate)',
    name: 'a command inside an HTML comment does not run',
    body: `<!--\n/recover ${WS}\n-->\n/medic help`,
    expected: [{ line: 4, kind: 'help' }],
  },
];

describe('the parser against its peers', () => {
  it.each(PEERS)('$peer: $name', ({ body, expected }) => {
    expect(run(body)).toEqual(expected);
  });
});

describe('what users type', () => {
  it('ignores a leading byte-order mark', () => {
    expect(mightHoldCommand(`\uFEFF/recover ${WS}`)).toBe(true);
    expect(run(`\uFEFF/recover ${WS}`)).toEqual([{ line: 1, ...recover() }]);
  });

  it("takes a phone's curly quotes as quotes", () => {
    expect(run(`/recover ${WS} --reason “volume pruned”`)).toEqual([
      { line: 1, ...recover({ reason: 'volume pruned' }) },
    ]);
    expect(run(`/recover ${WS} --reason=“volume pruned”`)).toEqual([
      { line: 1, ...recover({ reason: 'volume pruned' }) },
    ]);
  });

  it('tells to quote a reason of several unquoted words, instead of blaming a "workspace"', () => {
    expect(run(`/recover ${WS} --reason volume pruned by cron`)).toEqual([
      { line: 1, error: 'a reason of several words must be quoted: --reason "volume pruned by cron"' },
    ]);
    expect(run(`/recover ${WS} --reason=volume pruned`)).toEqual([
      { line: 1, error: 'a reason of several words must be quoted: --reason "volume pruned"' },
    ]);
    // A workspace after the reason is still a workspace.
    expect(run(`/recover ${WS} --reason pruned ${WS2}`)).toEqual([
      { line: 1, ...recover({ reason: 'pruned', targets: [WS, WS2] }) },
    ]);
  });

  it('refuses a reason over the cap, naming it, instead of cutting it', () => {
    const [parsed] = run(`/recover ${WS} --reason "${'x'.repeat(MAX_REASON + 1)}"`);
    expect(parsed).toEqual({
      line: 1,
      error: `--reason is ${MAX_REASON + 1} characters; at most ${MAX_REASON} are kept, so shorten it`,
    });
    expect(run(`/recover ${WS} --reason "${'x'.repeat(MAX_REASON)}"`)[0]).toMatchObject({
      reason: 'x'.repeat(MAX_REASON),
    });
  });

  it('refuses a boolean with a value other than true or false', () => {
    expect(run(`/recover ${WS} --force=yes`)).toEqual([
      { line: 1, error: '--force takes no value, or =true or =false' },
    ]);
  });

  it('answers thousands of bad lines with one reply that fits a GitHub comment', () => {
    const body = Array.from({ length: 5958 }, () => '/recover x').join('\n');
    const errors = parseCommands(body, 10);
    expect(errors).toHaveLength(5958);
    const reply = parseErrorReply(errors);
    expect(reply.length).toBeLessThan(65_536);
    expect(reply.length).toBeLessThan(8_000);
    expect(reply).toContain('line 1: /recover x');
    expect(reply).toContain('…and 5948 more lines that cannot run');
  });
});
