import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/core/model/errors.js';
import { resultSchema } from '../../src/core/model/result.js';
import { parseHiddenResults } from '../../src/markdown/render-status.js';
import { startApp } from '../helpers/app-harness.js';
import { useAppWorld } from '../helpers/app-world.js';
import { addWorkspace, unitDeps } from '../helpers/core-deps.js';
import { commentsOn, githubApi, permission } from '../helpers/github-nock.js';
import { issueCommentPayload, issuesPayload } from '../helpers/webhooks.js';

const world = useAppWorld({ policy: true });

async function brokenWorkspace(runtimeName = 'claude-code') {
  const ws = await addWorkspace(world.db, { runtime: runtimeName });
  world.runtime.add(ws.container);
  return ws;
}
const runCount = async () =>
  (await world.db.one<{ n: number }>('SELECT count(*)::int AS n FROM medic.runs'))?.n;

describe('the app', () => {
  it('recovers from /recover on an incident issue, edits its status comment, and closes the incident', async () => {
    const ws = await brokenWorkspace();
    const { state, scope } = githubApi();
    const perm = permission('alice', 'write');

    const status = await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container} --reason "volume pruned"` }),
    );
    expect(status).toBe(200);
    await world.app.idle();

    expect(perm.isDone()).toBe(true);
    expect(state.reactions).toEqual(['eyes', 'rocket']);
    // One comment: the status, ending with the closing note (folded in: one write fewer).
    expect(commentsOn(state, 42)).toHaveLength(1);
    const [statusComment] = commentsOn(state, 42);
    const closing = statusComment!.slice(statusComment!.indexOf('Every workspace named is back'));
    expect(statusComment).toContain('| workspace | outcome |');
    expect(statusComment).toContain('volume pruned');
    const [result] = parseHiddenResults(statusComment!).map((r) => resultSchema.parse(r));
    expect(result).toMatchObject({
      outcome: 'recovered',
      source: 'app',
      actor: 'alice',
      workspace: { id: ws.id, statusAfter: 'online' },
    });
    expect([...state.comments.values()][0]?.edits).toBeGreaterThan(0);
    expect(closing).toContain(`@alice`);
    expect(closing).toContain(result!.runId);
    expect(state.closed).toEqual([42]);
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(true);
    expect(scope.activeMocks().length).toBeGreaterThan(0);
  });

  it('runs a redelivered webhook (same delivery id) once', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    permission('alice', 'admin');
    const payload = issueCommentPayload({ body: `/recover ${ws.container}` });
    expect(await world.app.deliver('issue_comment', payload, 'same-delivery')).toBe(200);
    expect(await world.app.deliver('issue_comment', payload, 'same-delivery')).toBe(200);
    await world.app.idle();
    expect(await runCount()).toBe(1);
    expect(state.reactions.filter((r) => r === 'eyes')).toHaveLength(1);
  });

  it('answers 5xx while its database is down, so GitHub keeps the delivery; a redelivery then runs once', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    permission('alice', 'admin');
    let down = true;
    const deps = unitDeps(world.db, world.runtime);
    const flaky = {
      ...deps.db,
      query: (sql: string, params?: readonly unknown[]) =>
        down
          ? Promise.reject(new DatabaseUnavailableError('Postgres went away (test)'))
          : world.db.query(sql, params),
    };
    const other = await startApp({ ...deps, db: flaky });
    try {
      const payload = issueCommentPayload({ body: `/recover ${ws.container}` });
      expect(await other.deliver('issue_comment', payload, 'while-down')).toBeGreaterThanOrEqual(500);
      expect(await world.db.one('SELECT * FROM medic.jobs')).toBeUndefined();
      down = false;
      expect(await other.deliver('issue_comment', payload, 'while-down')).toBe(200);
      await other.idle();
      expect(await runCount()).toBe(1);
      expect(state.reactions).toEqual(['eyes', 'rocket']);
    } finally {
      await other.close();
    }
  });

  it('refuses a read-only commenter, naming the permission required and the one held', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    const perm = permission('mallory', 'read');
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container}`, login: 'mallory' }),
    );
    await world.app.idle();
    expect(perm.isDone()).toBe(true);
    const [refusal] = commentsOn(state, 42);
    expect(refusal).toContain('`PERMISSION_DENIED`');
    expect(refusal).toContain('`write`');
    expect(refusal).toContain('you have `read`');
    expect(commentsOn(state, 42)).toHaveLength(1);
    expect(state.reactions).toEqual(['-1']);
    // The refusal is on the record, tied to the workspace it named; nothing else happened.
    expect(
      await world.db.one('SELECT outcome, error_code, workspace_id::text AS ws FROM medic.runs'),
    ).toEqual({
      outcome: 'refused',
      error_code: 'PERMISSION_DENIED',
      ws: ws.id,
    });
    expect(world.runtime.calls).toEqual([]);
  });

  it.each([
    ['a fenced code block', (t: string) => `Try this:\n\`\`\`\n/recover ${t}\n\`\`\``],
    ['an indented code block', (t: string) => `Try this:\n\n    /recover ${t}`],
    ['a block quote', (t: string) => `> /recover ${t}`],
    ['an HTML comment', (t: string) => `<!--\n/recover ${t}\n-->`],
    ['the middle of a line', (t: string) => `please run /recover ${t}`],
  ])('does nothing for a command inside %s', async (_where, body) => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    await world.app.deliver('issue_comment', issueCommentPayload({ body: body(ws.container) }));
    await world.app.idle();
    expect(state.reactions).toEqual([]);
    expect(state.comments.size).toBe(0);
    expect(await runCount()).toBe(0);
  });

  it('ignores comments by bots and edited comments', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container}`, login: 'medic[bot]', type: 'Bot' }),
    );
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container}`, action: 'edited' }),
    );
    await world.app.idle();
    expect(state.reactions).toEqual([]);
    expect(await world.db.one('SELECT * FROM medic.jobs')).toBeUndefined();
  });

  it('answers a command it cannot parse with 😕 and the help text', async () => {
    const { state } = githubApi();
    permission('alice', 'write');
    await world.app.deliver('issue_comment', issueCommentPayload({ body: '/recover ws-nothex --now' }));
    await world.app.idle();
    expect(state.reactions).toEqual(['eyes', 'confused']);
    const [reply] = commentsOn(state, 42);
    expect(reply).toContain('ws-nothex');
    expect(reply).toContain('/medic help');
  });

  it('rejects a webhook with a bad signature and stores nothing', async () => {
    const ws = await brokenWorkspace();
    githubApi();
    const status = await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container}` }),
      'bad-sig',
      'wrong-secret',
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(await world.db.one('SELECT * FROM medic.jobs')).toBeUndefined();
  });

  it('answers a bad .github/medic.yml with a comment naming the key', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi({ config: 'permission: superuser\n' });
    permission('alice', 'write');
    await world.app.deliver('issue_comment', issueCommentPayload({ body: `/recover ${ws.container}` }));
    await world.app.idle();
    expect(commentsOn(state, 42)[0]).toContain('`permission`');
    expect(await runCount()).toBe(0);
  });

  it('reports a failure with 👎 and leaves the incident open', async () => {
    const ws = await brokenWorkspace('nosuchruntime');
    const { state } = githubApi();
    permission('alice', 'write');
    await world.app.deliver('issue_comment', issueCommentPayload({ body: `/recover ${ws.container}` }));
    await world.app.idle();
    expect(state.reactions).toEqual(['eyes', '-1']);
    expect(commentsOn(state, 42)[0]).toContain('TEMPLATE_NOT_FOUND');
    expect(state.closed).toEqual([]);
  });

  it('does not close the incident after a dry run', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    permission('alice', 'write');
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container} --dry-run` }),
    );
    await world.app.idle();
    expect(state.reactions).toEqual(['eyes', 'rocket']);
    expect(commentsOn(state, 42)[0]).toContain('planned');
    expect(state.closed).toEqual([]);
  });

  it('escapes what users typed, so the hidden result block cannot be broken out of', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    permission('alice', 'write');
    const reason = '--> <script>alert(1)</script> | @everyone [x](http://evil)';
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container} --dry-run --reason "${reason}"` }),
    );
    await world.app.idle();
    const [body] = commentsOn(state, 42);
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('@everyone');
    expect(body?.match(/-->/g)).toHaveLength(1); // only the hidden block's own end
    expect(parseHiddenResults(body!)).toHaveLength(1);
  });

  it('undoes a forced reseed with /rollback <runId>', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    world.runtime.add(ws.container, { files: { 'config.yaml': 'hand-tuned\n', 'notes.txt': 'mine\n' } });
    const { state } = githubApi();
    permission('alice', 'maintain');
    permission('alice', 'maintain');
    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/recover ${ws.container} --force`, commentId: 1 }),
    );
    await world.app.idle();
    const [forced] = parseHiddenResults(commentsOn(state, 42)[0]!).map((r) => resultSchema.parse(r));
    expect(forced?.snapshot).not.toBeNull();
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toContain(
      'runtime: claude-code',
    );

    await world.app.deliver(
      'issue_comment',
      issueCommentPayload({ body: `/rollback ${forced!.runId}`, commentId: 2 }),
    );
    await world.app.idle();
    const rollbackComment = commentsOn(state, 42).find((b) => b.includes('/rollback'));
    const [rolled] = parseHiddenResults(rollbackComment!).map((r) => resultSchema.parse(r));
    expect(rolled).toMatchObject({ command: 'rollback', outcome: 'recovered' });
    // It restored the forced run's snapshot, and kept what it replaced: a rollback is undoable too.
    expect(rolled!.steps.find((st) => st.name === 'restore')?.detail).toContain(forced!.snapshot!.digest);
    expect(rolled!.snapshot?.digest).not.toBe(forced!.snapshot!.digest);
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toBe('hand-tuned\n');
    expect(world.runtime.get(ws.container).files.has('.provisioned')).toBe(false);
  });

  it('diagnoses the workspaces named in a new incident issue', async () => {
    const ws = await brokenWorkspace();
    const { state } = githubApi();
    const asked = permission('reporter', 'triage');
    await world.app.deliver(
      'issues',
      issuesPayload({ title: `${ws.container} is down`, body: `volume of ${ws.container} empty` }),
    );
    await world.app.idle();
    const [diagnosis] = commentsOn(state, 43);
    expect(diagnosis).toContain('needs-seed');
    expect(diagnosis).toContain(`/recover ${ws.container}`);
    expect(asked.isDone()).toBe(true);
    // File status only: the volume's content is never read for an incident issue.
    expect(world.runtime.calls).toEqual([]);
    expect(world.runtime.reads).toEqual([]);
  });

  it("holds an incident's diagnosis to the repository file's max_targets, permission and allowed users", async () => {
    const named: string[] = [];
    for (let i = 0; i < 12; i++) named.push((await brokenWorkspace()).container);
    const incident = (issue: number, sender = 'reporter') =>
      world.app.deliver(
        'issues',
        issuesPayload({ title: 'Workspaces down', body: named.join(' '), issue, author: sender, sender }),
      );
    // max_targets: 2 diagnoses two of the twelve; a file's 40 is held to the cap of 10.
    let gh = githubApi({ config: 'max_targets: 2\n' });
    permission('reporter', 'triage');
    await incident(44);
    await world.app.idle();
    const [capped] = commentsOn(gh.state, 44);
    expect(named.filter((c) => capped?.includes(`| \`${c}\``))).toHaveLength(2);
    nock.cleanAll();
    gh = githubApi({ config: 'max_targets: 40\n' });
    permission('reporter', 'triage');
    await incident(48);
    await world.app.idle();
    const [held] = commentsOn(gh.state, 48);
    expect(named.filter((c) => held?.includes(`| \`${c}\``))).toHaveLength(10);
    nock.cleanAll();
    // permission: maintain in the file: a writer's incident gets no diagnosis.
    gh = githubApi({ config: 'permission: maintain\n' });
    permission('writer', 'write');
    await incident(45, 'writer');
    await world.app.idle();
    expect(commentsOn(gh.state, 45)).toEqual([]);
    nock.cleanAll();
    // allowed_users: an admin not on the list gets none; one on it does.
    gh = githubApi({ config: 'allowed_users: [carol]\n' });
    permission('alice', 'admin');
    permission('carol', 'write');
    await incident(46, 'alice');
    await incident(47, 'carol');
    await world.app.idle();
    expect(commentsOn(gh.state, 46)).toEqual([]);
    expect(commentsOn(gh.state, 47)).toHaveLength(1);
  });
});
