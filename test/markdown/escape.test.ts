// Escaping what users typed before it is echoed in a comment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeInline, jsonForHtmlComment } from '../../src/markdown/escape.js';

describe('escaping', () => {
  it('keeps any string from closing the hidden block, and round-trips it (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const json = jsonForHtmlComment({ s });
        expect(json).not.toContain('-->');
        expect(json).not.toContain('<');
        expect(JSON.parse(json)).toEqual({ s });
      }),
    );
  });

  it('escapes markup and mentions in inline text', () => {
    const out = escapeInline('<b>hi</b> @team | `x` [a](b)\nnext');
    expect(out).not.toMatch(/<b>|@team|\n/);
    expect(out).toContain('\\|');
  });
});
