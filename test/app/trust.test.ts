import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { commentEventFrom } from '../../src/github/webhook-payloads.js';
import { enqueueJob } from '../../src/work/jobs/job-store.js';
import { useAppWorld } from '../helpers/app-world.js';
import { addWorkspace, applyTestPolicy } from '../helpers/core-deps.js';
import { commentsOn, githubApi, permission } from '../helpers/github-nock.js';
import { issueCommentPayload, issuesPayload } from '../helpers/webhooks.js';

const world = useAppWorld({ policy: false });

async function workspace(name = 'team-a one', status = 'failed', files: Record<string, string> = {}) {
  const ws = await addWorkspace(world.db, { status });
  await world.db.query('UPDATE workspaces SET name = $2 WHERE id = $1', [ws.id, name]);
  world.runtime.add(ws.container, { files });
  return ws;
}
const refusals = async () =>
  (
    await world.db.query("SELECT error_code FROM medic.runs WHERE outcome = 'refused' ORDER BY started_at")
  ).rows.map((r) => (r as { error_code: string }).error_code);
const runCount = async () =>
  (await world.db.one<{ n: number }>('SELECT count(*)::int AS n FROM medic.runs'))?.n;
const comment = async (
  body: string,
  login = 'alice',
  extra: { commentId?: number; createdAt?: string } = {},
) => {
  const status = await world.app.deliver('issue_comment', issueCommentPayload({ body, login, ...extra }));
  await world.app.idle();
  return status;
};

describe('the app under the policy', () => {
  it('refuses an admin in an ungranted repository with REPO_NOT_GRANTED, once, changing nothing', async () => {
    await applyTestPolicy(world.db, 'repos:\n  - repo: acme/other\n    workspaces: all\n');
    const ws = await workspace();
    const { state } = githubApi();
    permission('alice', 'admin');
    await comment(`/recover ${ws.container}`);
    expect(commentsOn(state, 42)).toHaveLength(1);
    expect(commentsOn(state, 42)[0]).toContain('`REPO_NOT_GRANTED`');
    expect(state.reactions).toEqual(['-1']);
    expect(world.runtime.calls).toEqual([]);
    expect(await refusals()).toEqual(['REPO_NOT_GRANTED']);
  });

  it('refuses a team-b workspace and a made-up id to a repository granted names "team-a *"', async () => {
    await applyTestPolicy(
      world.db,
      'repos:\n  - repo: acme/platform\n    workspaces:\n      names: ["team-a *"]\n',
    );
    const teamB = await workspace('team-b one');
    const { state } = githubApi();
    permission('alice', 'admin');
    await comment(`/recover ${teamB.container} ws-00000000-000`);
    const [status] = commentsOn(state, 42);
    expect(status?.match(/WORKSPACE_NOT_GRANTED/g)?.length).toBeGreaterThanOrEqual(2);
    expect(status).not.toContain('team-b');
    expect(state.reactions).toEqual(['eyes', '-1']);
    expect(world.runtime.calls).toEqual([]);
    expect(await refusals()).toEqual(['WORKSPACE_NOT_GRANTED', 'WORKSPACE_NOT_GRANTED']);
  });

  it("refuses a writer's --force naming maintain, and runs a maintainer's", async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace('w', 'online', { 'config.yaml': 'mine\n' });
    const { state } = githubApi();
    permission('bob', 'write');
    await comment(`/recover ${ws.container} --force`, 'bob');
    expect(commentsOn(state, 42)[0]).toContain('needs maintain');
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toBe('mine\n');
    permission('carol', 'maintain');
    await comment(`/recover ${ws.container} --force`, 'carol');
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toContain(
      'runtime: claude-code',
    );
    expect(await refusals()).toEqual(['PERMISSION_DENIED']);
  });

  it("keeps a read-only user refused when the repository's file says permission: read", async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi({ config: 'permission: read\n' });
    permission('mallory', 'read');
    await comment(`/recover ${ws.container}`, 'mallory');
    expect(commentsOn(state, 42)).toEqual([expect.stringContaining('`PERMISSION_DENIED`')]);
    expect(world.runtime.calls).toEqual([]);
  });

  it('says in the status comment that a loosening value in .github/medic.yml was ignored', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi({ config: 'permission: read\nmax_targets: 40\n' });
    permission('alice', 'write');
    await comment(`/recover ${ws.container}`);
    const [status] = commentsOn(state, 42);
    expect(status).toContain('`permission: read` is ignored');
    expect(status).toContain('`max_targets: 40` is ignored');
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(true);
  });

  it('answers a failed permission look-up with a retryable GITHUB_UNAVAILABLE, running nothing', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi();
    const lookups = nock('https://api.github.com')
      .persist()
      .get('/repos/acme/platform/collaborators/alice/permission')
      .reply(502, { message: 'Bad Gateway' });
    await comment(`/recover ${ws.container}`);
    lookups.persist(false);
    nock.cleanAll();
    const [answer] = commentsOn(state, 42);
    expect(answer).toContain('`GITHUB_UNAVAILABLE`');
    expect(answer).toContain('502');
    expect(answer).toContain('comment the command again in a minute');
    expect(state.reactions).toEqual(['confused']);
    expect(world.runtime.calls).toEqual([]);
    expect(await runCount()).toBe(0);
    expect(await world.db.one('SELECT state FROM medic.jobs')).toEqual({ state: 'done' });
  });

  it('refuses strangers in writing once per ten minutes, then with a reaction, then silently, asking GitHub twice', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi();
    const lookups = nock('https://api.github.com')
      .get('/repos/acme/platform/collaborators/mallory/permission')
      .times(2)
      .reply(200, { permission: 'read', role_name: 'read', user: { login: 'mallory' } });
    for (let i = 0; i < 5; i++) await comment(`/recover ${ws.container}`, 'mallory');
    expect(lookups.isDone()).toBe(true);
    expect(commentsOn(state, 42)).toHaveLength(1);
    expect(commentsOn(state, 42)[0]).toContain('get no comment');
    expect(state.reactions).toEqual(['-1', '-1']);
    expect(await refusals()).toEqual(Array(5).fill('PERMISSION_DENIED'));
  });

  it('runs a replayed comment once, whatever its delivery id', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    githubApi();
    permission('alice', 'write');
    const payload = issueCommentPayload({ body: `/recover ${ws.container}` });
    expect(await world.app.deliver('issue_comment', payload, 'delivery-1')).toBe(200);
    expect(await world.app.deliver('issue_comment', payload, 'delivery-2')).toBe(200);
    await world.app.idle();
    expect(await world.db.one('SELECT count(*)::int AS n FROM medic.jobs')).toEqual({ n: 1 });
    expect(await runCount()).toBe(1);
  });

  it('ignores a comment older than MEDIC_COMMENT_MAX_AGE_S', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi();
    await comment(`/recover ${ws.container}`, 'alice', {
      createdAt: new Date(Date.now() - 2 * 3600e3).toISOString(),
    });
    expect(state.reactions).toEqual([]);
    expect(await world.db.one('SELECT * FROM medic.jobs')).toBeUndefined();
  });

  it('runs a comment that waited in the queue past MEDIC_COMMENT_MAX_AGE_S: it was judged as it arrived', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    githubApi();
    permission('alice', 'write');
    // As the intake stored it an hour ago, when it was new; the worker reaches it only now.
    const old = new Date(Date.now() - 2 * 3600e3).toISOString();
    const located = commentEventFrom(
      issueCommentPayload({ body: `/recover ${ws.container}`, createdAt: old }),
    );
    const { owner, repo, event, installationId } = located;
    await enqueueJob(world.db, 'delivery-queued', {
      kind: 'comment',
      owner,
      repo,
      installationId: installationId ?? 0,
      event,
    });
    world.app.worker.wake();
    await world.app.idle();
    expect(await world.db.one('SELECT status FROM workspaces WHERE id = $1', [ws.id])).toEqual({
      status: 'online',
    });
  });

  it('refuses 11 targets in one comment with TOO_MANY_TARGETS, running nothing', async () => {
    await applyTestPolicy(world.db);
    const many = [];
    for (let i = 0; i < 11; i++) many.push(await workspace(`w${i}`));
    const { state } = githubApi();
    permission('alice', 'admin');
    await comment(
      `/recover ${many
        .slice(0, 6)
        .map((w) => w.container)
        .join(' ')}\n/diagnose ${many
        .slice(6)
        .map((w) => w.container)
        .join(' ')}`,
    );
    expect(commentsOn(state, 42)).toEqual([expect.stringContaining('`TOO_MANY_TARGETS`')]);
    expect(world.runtime.calls).toEqual([]);
    expect(await refusals()).toEqual(['TOO_MANY_TARGETS']);
  });

  it('refuses past 20 commands per actor in ten minutes with RATE_LIMITED', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace('w', 'online', { 'config.yaml': 'ok\n' });
    const { state } = githubApi();
    for (let i = 0; i < 2; i++) {
      permission('alice', 'write');
      await comment(Array.from({ length: 10 }, () => `/diagnose ${ws.container}`).join('\n'));
    }
    expect(commentsOn(state, 42)).toHaveLength(20);
    permission('alice', 'write');
    await comment(`/diagnose ${ws.container}`);
    expect(commentsOn(state, 42).at(-1)).toContain('`RATE_LIMITED`');
    expect(await refusals()).toEqual(['RATE_LIMITED']);
  });

  it('answers a 2 MiB body with 413 without reading it, and goes on serving', async () => {
    const big = await fetch(`http://127.0.0.1:${world.app.port}/api/github/webhooks`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'big',
      },
    }).catch((error: unknown) => error as Error);
    // The server answers 413 and closes; a client still sending may see the reset instead.
    if (!(big instanceof Error)) expect(big.status).toBe(413);
    await applyTestPolicy(world.db);
    const ws = await workspace();
    githubApi();
    permission('alice', 'write');
    expect(await comment(`/recover ${ws.container}`)).toBe(200);
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(true);
  });

  it('diagnoses an incident only for an author of at least triage, reading file status only', async () => {
    await applyTestPolicy(world.db);
    const ws = await workspace();
    const { state } = githubApi();
    permission('drive-by', 'read');
    await world.app.deliver(
      'issues',
      issuesPayload({ title: `${ws.container} down`, body: '', author: 'drive-by', issue: 50 }),
    );
    permission('sre', 'triage');
    await world.app.deliver(
      'issues',
      issuesPayload({ title: `${ws.container} down`, body: '', author: 'sre', issue: 51 }),
    );
    await world.app.idle();
    expect(commentsOn(state, 50)).toEqual([]);
    expect(commentsOn(state, 51)[0]).toContain('needs-seed');
    expect(world.runtime.reads).toEqual([]);
  });
});
