// How the CLI writes for a person: styling markers become colour only where colour is wanted,
// outside control characters never reach the terminal, log records read as one line each.
import { describe, expect, it } from 'vitest';
import { humanLog, paint, render, wantsColor } from '../../src/cli/terminal.js';

const ESC = '\x1b';

describe('render', () => {
  it('turns styling into colour on a colour terminal and into nothing elsewhere', () => {
    const line = `${paint('ok', '✓')} ws-1 ${paint('failed', 'failed')}`;
    expect(render(line, true)).toBe(`${ESC}[32m✓${ESC}[0m ws-1 ${ESC}[31mfailed${ESC}[0m`);
    expect(render(line, false)).toBe('✓ ws-1 failed');
  });

  it('strips control characters that came from outside, even on a colour terminal', () => {
    const hostile = `detail ${ESC}]0;pwned\x07 ${ESC}[2J end`;
    expect(render(hostile, true)).not.toContain(ESC);
    expect(render(hostile, true)).not.toContain('\x07');
  });
});

describe('wantsColor', () => {
  it('wants colour on a terminal unless NO_COLOR or --no-color says no', () => {
    expect(wantsColor({ isTTY: true }, {}, [])).toBe(true);
    expect(wantsColor({ isTTY: false }, {}, [])).toBe(false);
    expect(wantsColor({}, {}, [])).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' }, [])).toBe(false);
    expect(wantsColor({ isTTY: true }, {}, ['recover', '--no-color'])).toBe(false);
  });
});

describe('humanLog', () => {
  it('writes a pino record as level, message and fields, without time, pid or host', () => {
    const lines: string[] = [];
    humanLog(false, (t) => lines.push(t)).write(
      JSON.stringify({
        level: 40,
        time: 1,
        pid: 2,
        hostname: 'h',
        msg: 'lease renewal slow',
        ms: 812,
        ws: 'ws-1',
      }),
    );
    expect(lines).toEqual(['warn  lease renewal slow ms=812 ws=ws-1\n']);
  });

  it('passes a line that is not JSON through unchanged', () => {
    const lines: string[] = [];
    humanLog(true, (t) => lines.push(t)).write('plain\n');
    expect(lines).toEqual(['plain\n']);
  });
});
