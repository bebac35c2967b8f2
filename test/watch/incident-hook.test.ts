import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/model/ports.js';
import type { RecoveryResult } from '../../src/core/model/result.js';
import { octokitPort } from '../../src/github/github-port.js';
import { githubIncidentHook } from '../../src/watch/incident-hook.js';

const _line = (name: string, action: string, time: number) =>
  `${JSON.stringify({ Type: 'container', Action: action, time, Actor: { Attributes: { name } } })}\n`;

describe('incident hook', () => {
  afterEach(() => nock.cleanAll());
  const result = (outcome: RecoveryResult['outcome']): RecoveryResult => ({
    version: 1,
    runId: '0a6eb4b7-d388-4968-ad03-b69ad78eec4b',
    command: 'recover',
    source: 'auto',
    actor: 'medic-watch',
    origin: null,
    restore: null,
    approval: null,
    detectedAt: null,
    detectedToOnlineMs: null,
    regression: null,
    class: null,
    retryable: null,
    workspace: {
      id: '90f04b5c-6063-4f8b-8a8a-a896e3ad244e',
      container: 'ws-90f04b5c-606',
      volume: 'ws-90f04b5c-606-configs',
      runtime: 'x',
      statusBefore: 'failed',
      statusAfter: 'failed',
    },
    outcome,
    template: null,
    snapshot: null,
    steps: [],
    error: outcome === 'failed' ? { code: 'TEMPLATE_NOT_FOUND', message: 'no template' } : null,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  });
  const octokit = new Octokit({ baseUrl: 'https://gh.test/api/v3', request: { retries: 0 } });

  it('opens an issue when an automatic recovery fails, and closes it when a later one succeeds', async () => {
    nock.disableNetConnect();
    const api = nock('https://gh.test/api/v3')
      .get('/repos/acme/ops/issues')
      .query(true)
      .reply(200, [])
      .post(
        '/repos/acme/ops/issues',
        (b) =>
          b.title.includes('ws-90f04b5c-606') &&
          b.labels[0] === 'incident' &&
          b.body.includes('TEMPLATE_NOT_FOUND'),
      )
      .reply(201, { number: 7 })
      .get('/repos/acme/ops/issues')
      .query(true)
      .reply(200, [{ number: 7, title: 'ws-90f04b5c-606: automatic recovery failed' }])
      .post('/repos/acme/ops/issues/7/comments', (b) => b.body.includes('recovered'))
      .reply(201, { id: 1 })
      .patch('/repos/acme/ops/issues/7', { state: 'closed', state_reason: 'completed' })
      .reply(200, {});
    const hook = githubIncidentHook(octokitPort(octokit, 'acme', 'ops'), 'incident', silentLogger);
    await hook.report(result('failed'));
    await hook.report(result('recovered'));
    expect(api.isDone()).toBe(true);
    nock.enableNetConnect();
  });

  it('reopens the incident a regression broke again, links both runs, and leaves it open', async () => {
    nock.disableNetConnect();
    const previous = '5f1c2d3e-0000-4000-8000-000000000000';
    const api = nock('https://gh.test/api/v3')
      .get('/repos/acme/ops/issues')
      .query((q) => q.state === 'open')
      .reply(200, [])
      .get('/repos/acme/ops/issues')
      .query((q) => q.state === 'closed' && q.sort === 'updated')
      .reply(200, [{ number: 7, title: 'ws-90f04b5c-606: automatic recovery failed' }])
      .patch('/repos/acme/ops/issues/7', { state: 'open' })
      .reply(200, {})
      .post(
        '/repos/acme/ops/issues/7/comments',
        (b) =>
          b.body.includes('**regression**') &&
          b.body.includes('10 minutes after run `5f1c2d3e') &&
          b.body.includes('0a6eb4b7-d388-4968-ad03-b69ad78eec4b'),
      )
      .reply(201, { id: 2 });
    const hook = githubIncidentHook(octokitPort(octokit, 'acme', 'ops'), 'incident', silentLogger);
    await hook.report({ ...result('recovered'), regression: { previousRunId: previous, gapS: 600 } });
    expect(api.isDone()).toBe(true);
    nock.enableNetConnect();
  });
});
