// GitHub in trouble: 5xx and 429 are retried by Octokit's plugins, and a comment that cannot
// be written never stops or undoes a recovery (it is logged with the run ids instead).
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppHarness, startApp } from '../helpers/app-harness.js';
import { addWorkspace, applyTestPolicy, unitDeps } from '../helpers/core-deps.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { commentsOn, githubApi, permission } from '../helpers/github-nock.js';
import { type MemoryDb, memoryDb } from '../helpers/memory-db.js';
import { issueCommentPayload, OWNER, REPO } from '../helpers/webhooks.js';
import { tally } from './tally.js';

let db: MemoryDb;
let app: AppHarness | undefined;
beforeAll(async () => {
  db = await memoryDb();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(async () => {
  await app?.close();
  nock.cleanAll();
  await db.reset();
});
afterAll(async () => {
  nock.enableNetConnect();
  await db.close();
});

async function setup(resilient: boolean) {
  const runtime = new FakeRuntime();
  const ws = await addWorkspace(db);
  await applyTestPolicy(db);
  runtime.add(ws.container);
  app = await startApp(unitDeps(db, runtime), { resilient });
  return { runtime, ws };
}
const R = `/repos/${OWNER}/${REPO}`;

describe('GitHub trouble', () => {
  it('retries a 502 on the status comment and a 429 on a reaction, and finishes the job', async () => {
    const { ws, runtime } = await setup(true);
    // Failures first: nock answers with the interceptor registered first.
    const flaky = nock('https://api.github.com')
      .post(`${R}/issues/42/comments`)
      .reply(502, { message: 'Bad Gateway' })
      .post(`${R}/issues/comments/9001/reactions`)
      // What GitHub sends when a secondary rate limit is hit.
      .reply(
        429,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
        { 'retry-after': '1' },
      );
    const { state } = githubApi();
    permission('alice', 'write');
    await app!.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container}`, commentId: 9001 }),
    );
    await app!.idle();
    tally('fault', 2, { shortened: ['the app harness writes to GitHub unpaced', 'MEDIC_STOP_TIMEOUT_S=5'] });
    expect(flaky.isDone()).toBe(true);
    expect(state.reactions).toContain('eyes');
    expect(commentsOn(state, 42)[0]).toContain('medic:result');
    // One status comment: the run ended while the acknowledgement was being retried, so the
    // result was posted directly (through the retried 502) instead of a comment to edit.
    expect(commentsOn(state, 42)).toHaveLength(1);
    expect(state.closed).toEqual([42]);
    expect(runtime.get(ws.container).files.has('config.yaml')).toBe(true);
  }, 60_000);

  it('recovers and stores the result even when no comment can be written at all', async () => {
    const { ws, runtime } = await setup(false);
    const down = nock('https://api.github.com')
      .persist()
      .post(/\/issues\/\d+\/comments$/)
      .reply(500, { message: 'GitHub is down' })
      .patch(/\/issues\/comments\/\d+$/)
      .reply(500, { message: 'GitHub is down' })
      .post(/\/reactions$/)
      .reply(500, { message: 'GitHub is down' });
    githubApi();
    permission('alice', 'write');
    await app!.deliver('issue_comment', issueCommentPayload({ body: `/recover ${ws.container}` }));
    await app!.idle();
    tally('fault', 3, { shortened: ['the app harness writes to GitHub unpaced', 'MEDIC_STOP_TIMEOUT_S=5'] });
    expect(down.activeMocks().length).toBeGreaterThan(0);
    expect(runtime.get(ws.container).files.has('config.yaml')).toBe(true);
    const run = await db.one<{ outcome: string; result: unknown }>('SELECT outcome, result FROM medic.runs');
    expect(run?.outcome).toBe('recovered');
    expect(run?.result).toBeTruthy();
    expect((await db.one<{ status: string }>('SELECT status FROM workspaces'))?.status).toBe('online');
    tally('dataLoss', 0);
  });
});
