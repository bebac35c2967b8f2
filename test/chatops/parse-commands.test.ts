// The ChatOps command parser: examples of every rule, and properties over generated comments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommands, tokenize } from '../../src/chatops/parse-commands.js';

const WS = 'ws-92f6d88b-6a9';
const UUID = '92f6d88b-6a96-4e6a-875b-3cf866fa020a';
const ok = (body: string, max = 10) =>
  parseCommands(body, max).map((p) => (p.ok ? p.command : { error: p.error }));

describe('parseCommands', () => {
  it('reads /recover with targets and flags', () => {
    expect(ok(`/recover ${WS} ${UUID} --dry-run --force --reason "volume pruned"`)).toEqual([
      { kind: 'recover', targets: [WS, UUID], dryRun: true, force: true, reason: 'volume pruned' },
    ]);
  });

  it('reads /recover --from template and --plan', () => {
    const plan = `sha256:${'A'.repeat(64)}`;
    expect(ok(`/recover ${WS} --from template --plan ${plan}`)).toEqual([
      {
        kind: 'recover',
        targets: [WS],
        dryRun: false,
        force: false,
        from: 'template',
        plan: plan.toLowerCase(),
        reason: null,
      },
    ]);
  });

  it('reads /hold with --for and --reason, and /release', () => {
    expect(ok(`/hold ${WS} ${UUID} --for 2h --reason "rebuilding it"\n/release ${WS}`)).toEqual([
      { kind: 'hold', targets: [WS, UUID], forMs: 7_200_000, reason: 'rebuilding it' },
      { kind: 'release', targets: [WS] },
    ]);
  });

  it('reads several commands, one a line, and /medic help', () => {
    expect(ok(`Hi\n/diagnose ${WS}\n/medic help\n/rollback ${UUID}`)).toEqual([
      { kind: 'diagnose', targets: [WS] },
      { kind: 'help' },
      { kind: 'rollback', runId: UUID },
    ]);
  });

  it('ignores code, quotes, HTML comments and commands that are not at the start of a line', () => {
    const body = [
      '```',
      `/recover ${WS}`,
      '```',
      '~~~~',
      `/recover ${WS}`,
      '~~~~',
      `    /recover ${WS}`,
      `\t/recover ${WS}`,
      `> /recover ${WS}`,
      `  > /recover ${WS}`,
      `<!-- /recover ${WS} -->`,
      '<!--',
      `/recover ${WS}`,
      '-->',
      `please /recover ${WS}`,
      `/recovery ${WS}`,
      `/recover-all ${WS}`,
    ].join('\n');
    expect(ok(body)).toEqual([]);
  });

  it('ends a fence only with a fence of the same kind and at least its length', () => {
    expect(ok(['````', '```', `/recover ${WS}`, '````', `/recover ${WS}`].join('\n'))).toHaveLength(1);
  });

  it('treats an unclosed HTML comment as running to the end', () => {
    expect(ok(`<!-- draft\n/recover ${WS}`)).toEqual([]);
  });

  it.each([
    [`/recover`, 'at least one workspace'],
    [`/recover ws-xyz`, 'ws-xyz'],
    [`/recover ${WS} --now`, 'unknown option --now'],
    [`/recover ${WS} --reason`, '--reason needs a text'],
    [`/diagnose ${WS} --force`, 'unknown option --force'],
    [`/rollback ${WS}`, 'run id'],
    [`/hold ${WS} --reason "x"`, '/hold needs --for'],
    [`/hold ${WS} --for 2h`, '/hold needs --reason'],
    [`/hold ${WS} --for 9d --reason "x"`, 'at most 7d'],
    [`/hold ${WS} --for soon --reason "x"`, 'not a duration'],
    [`/release ${WS} --for 2h`, 'unknown option --for'],
    [`/medic restart`, '/medic help'],
    [`/recover ${WS} --reason "unclosed`, 'quote is not closed'],
    [`/recover ${WS} --from last-week`, '--from takes `template`'],
    [`/recover ${WS} --plan abc`, '--plan takes the digest'],
    [`/recover --from template ws-xyz`, 'ws-xyz'],
  ])('names what is wrong in %j', (body, words) => {
    const [parsed] = parseCommands(body, 10);
    expect(parsed?.ok).toBe(false);
    expect(parsed && !parsed.ok && parsed.error).toContain(words);
  });

  it('caps the number of targets', () => {
    const targets = Array.from({ length: 4 }, (_, i) => `ws-0000000${i}-000`).join(' ');
    expect(ok(`/recover ${targets}`, 3)).toEqual([
      { error: '/recover names 4 workspaces; at most 3 per command' },
    ]);
  });

  it('never finds a command inside a fenced block, whatever the block holds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string().filter((s) => !/^ {0,3}(`{3,}|~{3,})/m.test(s) && !s.includes('\r'))),
        (lines) => {
          const body = ['```', ...lines, `/recover ${WS}`, '```'].join('\n');
          expect(parseCommands(body, 10)).toEqual([]);
        },
      ),
    );
  });

  it('finds exactly the command lines among arbitrary prose (property)', () => {
    const prose = fc.stringMatching(/^[a-z ,.]{0,40}$/);
    fc.assert(
      fc.property(fc.array(fc.oneof(prose, fc.constant(`/recover ${WS}`))), (lines) => {
        const expected = lines.filter((l) => l.startsWith('/recover')).length;
        expect(parseCommands(lines.join('\n'), 10)).toHaveLength(expected);
      }),
    );
  });

  it('tokenizes quoted text whole (property)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('"') && !s.includes('\\')),
        (reason) => {
          expect(tokenize(`--reason "${reason}"`).map((t) => t.text)).toEqual(['--reason', reason]);
        },
      ),
    );
  });
});
