// Escaping what users typed before it is echoed in a comment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autolink, escapeInline, jsonForHtmlComment } from '../../src/markdown/escape.js';

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

describe('autolink', () => {
  it('links an http(s) URL as the parser writes it, and nothing else; a malformed one is left out, not thrown', () => {
    expect(autolink('https://runbooks.example.com/workspaces')).toBe(
      '<https://runbooks.example.com/workspaces>',
    );
    expect(autolink('https://x.example/a b>c')).toBe('<https://x.example/a%20b%3Ec>');
    expect(autolink('https://x.example/%E0')).toBe('<https://x.example/%E0>');
    expect(autolink('javascript:alert(1)')).toBeNull();
    expect(autolink('not a url')).toBeNull();
  });
});
