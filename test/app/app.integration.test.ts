// The app over real services: a /recover comment recovers a real container, and jobs left
// behind by a process that died are picked up when the next one starts.

import { describe, expect, it } from 'vitest';
import { recover } from '../../src/core/index.js';
import { commentEventFrom } from '../../src/github/webhook-payloads.js';
import { enqueueJob } from '../../src/work/jobs/job-store.js';
import { useRealAppWorld } from '../helpers/app-world.js';
import { commentsOn, githubApi, permission } from '../helpers/github-nock.js';
import { issueCommentPayload } from '../helpers/webhooks.js';

const real = useRealAppWorld();
const { world } = real;

const jobState = async (delivery: string) =>
  (
    (await world.db.query('SELECT state FROM medic.jobs WHERE delivery_id = $1', [delivery])).rows[0] as
      | { state: string }
      | undefined
  )?.state;

describe('the app over a real engine and Postgres', () => {
  it('recovers a real workspace from a signed /recover and closes the incident', async () => {
    const ws = await world.broken();
    const { state } = githubApi();
    permission('alice', 'maintain');
    const app = await real.start(world.deps());
    expect(
      await app.deliver('issue_comment', issueCommentPayload({ body: `/recover ${ws.container}` }), 'real-1'),
    ).toBe(200);
    await app.idle();
    expect(await world.ls(ws.volume)).toEqual(['.provisioned', 'config.yaml', 'skills']);
    expect(await world.status(ws.id)).toBe('online');
    expect(state.closed).toEqual([42]);
    expect(commentsOn(state, 42)[0]).toContain('medic:result');
    expect(await jobState('real-1')).toBe('done');
  });

  it('/hold and /release from a maintainer: the watcher keeps off meanwhile; a writer may not', async () => {
    const ws = await world.broken();
    const { state } = githubApi();
    permission('bob', 'write');
    permission('alice', 'maintain');
    const app = await real.start(world.deps());
    const say = async (author: string, body: string, id: string) => {
      await app.deliver('issue_comment', issueCommentPayload({ body, login: author }), id);
      await app.idle();
    };
    await say('bob', `/hold ${ws.container} --for 1h --reason "mine"`, 'hold-bob');
    expect(commentsOn(state, 42).at(-1)).toMatch(/\/hold did nothing: `PERMISSION_DENIED`/);
    await say('alice', `/hold ${ws.container} --for 1h --reason "rebuilding by hand"`, 'hold-alice');
    expect(commentsOn(state, 42).at(-1)).toMatch(/held by alice until .*: rebuilding by hand/);
    const auto = await recover(world.deps(), ws.container, { actor: 'medic-watch', source: 'auto' });
    expect(auto.error?.code).toBe('WORKSPACE_HELD');
    permission('alice', 'maintain'); // each command asks GitHub for the role again
    await say('alice', `/release ${ws.container}`, 'release-alice');
    expect(commentsOn(state, 42).at(-1)).toContain('**released**');
    const { rows } = await world.db.query(
      'SELECT holder, ended_by, end_note, source, origin FROM medic.holds WHERE workspace_id = $1',
      [ws.id],
    );
    expect(rows).toEqual([
      {
        holder: 'alice',
        ended_by: 'alice',
        end_note: 'released',
        source: 'app',
        origin: expect.objectContaining({ issue: 42 }),
      },
    ]);
    expect(
      (await recover(world.deps(), ws.container, { actor: 'medic-watch', source: 'auto' })).outcome,
    ).toBe('recovered');
  });

  it('runs on start a job that a dead process stored but never ran', async () => {
    const ws = await world.broken();
    const payload = commentEventFrom(issueCommentPayload({ body: `/recover ${ws.container}`, issue: 50 }));
    await enqueueJob(world.db, 'left-pending', {
      kind: 'comment',
      owner: payload.owner,
      repo: payload.repo,
      installationId: 77,
      event: payload.event,
    });
    const { state } = githubApi();
    permission('alice', 'write');
    await real.start(world.deps());
    await expect.poll(() => jobState('left-pending'), { timeout: 20_000 }).toBe('done');
    expect(await world.status(ws.id)).toBe('online');
    expect(state.closed).toEqual([50]);
  });

  it('resumes a job whose worker stopped heartbeating, and runs it to the end', async () => {
    const ws = await world.broken();
    const payload = commentEventFrom(issueCommentPayload({ body: `/recover ${ws.container}`, issue: 51 }));
    await enqueueJob(world.db, 'left-running', {
      kind: 'comment',
      owner: payload.owner,
      repo: payload.repo,
      installationId: 77,
      event: payload.event,
    });
    await world.db.query(
      "UPDATE medic.jobs SET state = 'running', attempts = 1, heartbeat_at = now() - interval '10 minutes' WHERE delivery_id = 'left-running'",
    );
    githubApi();
    permission('alice', 'write');
    await real.start(world.deps());
    await expect.poll(() => jobState('left-running'), { timeout: 20_000 }).toBe('done');
    expect(await world.status(ws.id)).toBe('online');
  });
});
