// [contain]: text from outside reaches a Slack channel as text. A hold's reason, an actor or an
// error's message cannot ping the channel, mention anyone or disguise a link.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackEscape, slackMessage } from '../../src/notifications/messages.js';

const HOSTILE =
  '<!channel> <https://evil.example|https://github.com/acme/incidents/issues/7> @here @everyone & <@U123>';

/** What Slack would act on in a message's text: its `<…>` sequences and its bare mentions. */
const slackActs = (text: string) =>
  [...text.matchAll(/<[^>]*>|@(channel|here|everyone)\b/g)].map((m) => m[0]);

describe('Slack text is escaped for Slack', () => {
  it("[pager] links the workspace's runbook; one that would break out of the link is left out", () => {
    const failed = {
      runId: 'b0b0b0b0-0000-4000-8000-000000000000',
      outcome: 'failed',
      workspace: { container: 'ws-92f6d88b-6a9', runtime: 'langgraph' },
      error: { code: 'TEMPLATE_NOT_FOUND', message: 'no template' },
    };
    const ok = slackMessage(
      { event: 'recovery.failed', payload: { ...failed, runbook: 'https://runbooks.example.com/lg' } },
      null,
    );
    expect(ok.text).toContain('<https://runbooks.example.com/lg|runbook>');
    const bad = slackMessage(
      { event: 'recovery.failed', payload: { ...failed, runbook: 'https://x.example|<!channel>' } },
      null,
    );
    expect(slackActs(bad.text)).toEqual([]);
  });

  it('a hold reason cannot ping the channel or disguise a link', () => {
    const { text } = slackMessage(
      {
        event: 'hold.started',
        payload: { scope: 'workspace', holder: '@here', reason: HOSTILE, until: 'soon' },
      },
      null,
    );
    expect(slackActs(text)).toEqual([]);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;');
  });

  it('[voice] a hold on a workspace names it', () => {
    const { text } = slackMessage(
      {
        event: 'hold.started',
        payload: {
          scope: 'workspace',
          workspaceId: '92f6d88b-6a96-4e6a-875b-3cf866fa020a',
          holder: 'alice',
          reason: 'rebuilding',
          until: '2026-12-06T14:00:00Z',
        },
      },
      null,
    );
    expect(text).toBe(
      '🩺 medic: workspace `ws-92f6d88b-6a9` held by alice until 2026-12-06T14:00:00Z: rebuilding',
    );
  });

  it("a run's actor, error message and steps cannot either; medic's own links still work", () => {
    const { text } = slackMessage(
      {
        event: 'recovery.failed',
        payload: {
          runId: '7d0a1a52-0000-4000-8000-000000000000',
          command: 'recover',
          outcome: 'failed',
          actor: '<!here>',
          source: 'chatops',
          workspace: { container: 'ws-<!channel>', runtime: '@channel' },
          error: { code: 'INTERNAL', message: HOSTILE },
          steps: [{ name: '<!everyone>', status: 'failed', ms: 3 }],
          origin: { repo: 'acme/incidents', issue: 7 },
        },
      },
      'https://medic.example.com/',
    );
    expect(slackActs(text)).toEqual([
      '<https://github.com/acme/incidents/issues/7|issue>',
      '<https://medic.example.com/runs/7d0a1a52-0000-4000-8000-000000000000|run 7d0a1a52>',
    ]);
  });

  it('no input whatever yields a `<` or a mention that Slack would act on', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = slackEscape(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/@(channel|here|everyone)\b/);
      }),
    );
  });
});
