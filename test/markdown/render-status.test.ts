// The status comment's body: what users typed is escaped, the hidden result reads back whole,
// and the body stays under GitHub's cap however many targets and details.
import { describe, expect, it } from 'vitest';
import { type RecoveryResult, resultSchema, unstartedResult } from '../../src/core/index.js';
import { TemplateNotFoundError } from '../../src/core/model/errors.js';
import { MAX_BODY, parseHiddenResults, renderStatus } from '../../src/markdown/render-status.js';

const at = new Date('2026-11-26T00:00:00Z');
const result = (target: string, detail = 'ok', message = detail): RecoveryResult => ({
  ...unstartedResult({
    command: 'recover',
    input: target,
    options: { actor: 'alice', source: 'app' },
    error: new TemplateNotFoundError(message),
    at,
  }),
  steps: [{ name: 'template', status: 'failed', ms: 3, detail }],
});

describe('renderStatus', () => {
  it("links each failed workspace's runbook (the policy's, by runtime) under the table, once per runbook", () => {
    const body = renderStatus({
      commandLine: '/recover a b',
      actor: 'alice',
      reason: null,
      done: [result('ws-92f6d88b-6a9'), result('ws-aaaaaaaa-bbb')],
      running: null,
      pending: [],
      runbook: () => 'https://runbooks.example.com/workspaces',
    });
    expect(body).toContain(
      '📖 Runbook for `ws-92f6d88b-6a9`, `ws-aaaaaaaa-bbb`: <https://runbooks.example.com/workspaces>',
    );
    const none = renderStatus({
      commandLine: '/recover a',
      actor: 'alice',
      reason: null,
      done: [result('a')],
      running: null,
      pending: [],
    });
    expect(none).not.toContain('Runbook');
  });

  it('escapes the command line, actor and reason, and hides the result as JSON that reads back', () => {
    const r = result('ws-92f6d88b-6a9', '--> <img src=x> @here');
    const body = renderStatus({
      commandLine: '/recover ws-92f6d88b-6a9 <b>',
      actor: 'mallory<script>',
      reason: '@everyone | -->',
      done: [r],
      running: null,
      pending: [],
    });
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    // Mentions are broken in what GitHub renders; the hidden JSON is not rendered at all.
    const visible = body.slice(0, body.indexOf('<!-- medic:result'));
    expect(visible).not.toMatch(/@everyone|@here/);
    const hidden = parseHiddenResults(body);
    expect(hidden).toHaveLength(1);
    expect(resultSchema.parse(hidden[0])).toEqual(r);
  });

  it('shows the running target, its steps, and what waits', () => {
    const body = renderStatus({
      commandLine: '/recover a b',
      actor: 'alice',
      reason: null,
      done: [],
      running: {
        target: 'ws-92f6d88b-6a9',
        steps: [{ name: 'stop', status: 'ok', ms: 12, detail: 'stopped' }],
      },
      pending: ['ws-aaaaaaaa-bbb'],
    });
    expect(body).toContain('running…');
    expect(body).toMatch(/\| stop \| ✓ \| 12 \|/);
    expect(body).toContain('Waiting: `ws-aaaaaaaa-bbb`');
  });

  it('stays under the cap at the most targets a comment may name, with long details, keeping every hidden result', () => {
    const done = Array.from({ length: 10 }, (_, i) =>
      result(`ws-${String(i).padStart(8, '0')}-abc`, 'x'.repeat(5_000), 'no template'),
    );
    const body = renderStatus({
      commandLine: '/recover …',
      actor: 'alice',
      reason: null,
      done,
      running: null,
      pending: [],
    });
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(parseHiddenResults(body)).toHaveLength(10);
  });
});
