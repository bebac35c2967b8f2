// A second pair of eyes, over the real app, a real engine and Postgres (GitHub answered by
// nock): under `approval: {rollback: 1}` a /rollback does nothing until another maintainer
// approves; the requester's own /approve and a writer's are refused; the approved rollback
// runs once, as the requester, with both names in its result; a denied or unanswered request
// runs nothing and its comment says so. And the races, on the store: two approvals at once
// make one run; an approval racing the expiry ends as exactly one of them.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { approve, createRequest, expireDue, loadRequest } from '../../src/chatops/approval-store.js';
import { type RecoveryResult, recover, workspaceHistory } from '../../src/core/index.js';
import { useRealAppWorld } from '../helpers/app-world.js';
import { commentsOn, type GitHubState, githubApi } from '../helpers/github-nock.js';
import type { TestWorld } from '../helpers/services.js';
import { issueCommentPayload, OWNER, REPO, userIdOf } from '../helpers/webhooks.js';

const POLICY =
  'repos:\n  - repo: acme/platform\n    workspaces: all\n    approval: {rollback: 1, force: 1}\n';
const real = useRealAppWorld(POLICY);
const { world } = real;
let state: GitHubState;

/** Each login's role on the repository, answered as often as it is asked. */
function roles(map: Record<string, string>): void {
  for (const [login, role] of Object.entries(map)) {
    nock('https://api.github.com')
      .persist()
      .get(`/repos/${OWNER}/${REPO}/collaborators/${login}/permission`)
      .reply(200, { permission: role === 'maintain' ? 'write' : role, role_name: role, user: { login } });
  }
}

let delivery = 0;
async function say(login: string, body: string, userId?: number): Promise<string> {
  await real.app.deliver(
    'issue_comment',
    issueCommentPayload({ body, login, ...(userId !== undefined ? { userId } : {}) }),
    `approvals-${delivery++}`,
  );
  await real.app.idle();
  return commentsOn(state, 42).at(-1) ?? '';
}

const rollbacks = async (workspaceId: string) =>
  (await workspaceHistory(world.db, workspaceId)).filter(
    (r) => r.command === 'rollback' && r.outcome !== 'refused',
  );

async function snapshotted(): Promise<{ ws: Awaited<ReturnType<TestWorld['broken']>>; run: RecoveryResult }> {
  const ws = await world.broken({ stray: { 'notes.txt': 'keep me' } });
  const run = await recover(world.deps(), ws.container, { actor: 'ops', source: 'cli' });
  expect(run.snapshot).not.toBeNull();
  return { ws, run };
}

describe('approvals over the app', () => {
  it('a /rollback waits for a second maintainer, refuses its requester and a writer, then runs once with both names', async () => {
    ({ state } = githubApi());
    roles({ alice: 'maintain', carol: 'maintain', bob: 'write' });
    await real.start(world.deps());
    const { ws, run } = await snapshotted();

    const asked = await say('alice', `/rollback ${run.runId}`);
    expect(asked).toContain('**awaits approval**');
    expect(asked).toMatch(
      /another person with maintain or more on acme\/platform \(not @alice; bots do not count\)/,
    );
    const id = /request `([0-9a-f]{8})`/.exec(asked)![1]!;
    expect(await rollbacks(ws.id)).toEqual([]);

    expect(await say('alice', `/approve ${id}`)).toMatch(
      /refused: `PERMISSION_DENIED`: .*a requester cannot approve their own command/,
    );
    expect(await say('bob', `/approve ${id}`)).toMatch(/refused: `PERMISSION_DENIED`: this needs maintain/);
    // [contain] The requester renamed (a new login, the same GitHub user) is still the requester.
    roles({ 'alice-renamed': 'maintain' });
    expect(await say('alice-renamed', `/approve ${id}`, userIdOf('alice'))).toMatch(
      /refused: `PERMISSION_DENIED`: .*a requester cannot approve their own command/,
    );
    expect(await rollbacks(ws.id)).toEqual([]);

    await say('carol', `/approve ${id}`);
    const done = await rollbacks(ws.id);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ actor: 'alice', outcome: 'recovered' });
    expect(done[0]!.steps[0]).toMatchObject({
      name: 'approval',
      detail: `asked by alice, approved by carol (request ${id})`,
    });
    const { rows } = await world.db.query('SELECT result FROM medic.runs WHERE run_id = $1', [
      done[0]!.run_id,
    ]);
    expect((rows[0] as { result: RecoveryResult }).result.approval).toEqual({
      id,
      requestedBy: 'alice',
      approvedBy: ['carol'],
    });
    expect(await world.ls(ws.volume)).toEqual(['notes.txt']);
    expect([...state.comments.values()].some((c) => c.body.includes('**approved** by @carol'))).toBe(true);

    expect(await say('carol', `/approve ${id}`)).toContain('is already approved');
    expect(await rollbacks(ws.id)).toHaveLength(1);
  });

  it('a denied request, and one that expires unanswered, run nothing and say so', async () => {
    ({ state } = githubApi());
    roles({ alice: 'maintain', carol: 'maintain' });
    await real.start(world.deps({ MEDIC_APPROVAL_TTL: '2s' }));
    const { ws, run } = await snapshotted();

    const first = /request `([0-9a-f]{8})`/.exec(await say('alice', `/rollback ${run.runId}`))![1]!;
    expect(await say('carol', `/deny ${first} --reason "not during the freeze"`)).toContain(
      '**denied** by @carol: not during the freeze',
    );
    expect((await loadRequest(world.db, first))?.state).toBe('denied');

    const second = /request `([0-9a-f]{8})`/.exec(
      await say('alice', `/recover ${ws.container} --force`),
    )![1]!;
    // Its TTL (2 s) runs out: the request's deadline is moved back rather than waited for.
    await world.db.query(
      "UPDATE medic.approvals SET expires_at = now() - interval '1 second' WHERE id = $1",
      [second],
    );
    expect(await say('carol', `/approve ${second}`)).toContain('expired at');
    expect((await loadRequest(world.db, second))?.state).toBe('expired');
    expect([...state.comments.values()].some((c) => c.body.includes('**expired**'))).toBe(true);
    expect(await rollbacks(ws.id)).toEqual([]);
    const forced = (await workspaceHistory(world.db, ws.id)).filter(
      (r) => r.command === 'recover' && r.actor === 'alice',
    );
    expect(forced).toEqual([]);
  });
});

describe('races on the store (real Postgres)', () => {
  const base = {
    repo: 'acme/platform',
    repoId: 1,
    issue: 7,
    installation: null,
    requester: 'alice',
    requesterId: 1,
    command: { kind: 'rollback' as const, runId: '00000000-0000-4000-8000-000000000000' },
    line: '/rollback 00000000-0000-4000-8000-000000000000',
  };

  it('two approvals at once complete the request once', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await createRequest(world.db, { ...base, needed: 1, ttlMs: 60_000 });
      const [a, b] = await Promise.all([
        approve(world.db, r.id, { login: 'carol', id: 3 }),
        approve(world.db, r.id, { login: 'dave', id: 4 }),
      ]);
      expect([a?.completed, b?.completed].filter(Boolean)).toHaveLength(1);
      expect((await loadRequest(world.db, r.id))?.approvers).toHaveLength(1);
    }
  });

  it('an approval and the expiry at the same moment: exactly one of them', async () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await createRequest(world.db, { ...base, needed: 1, ttlMs: 30 });
      await new Promise((res) => setTimeout(res, 25 + (i % 10)));
      const [approved, expired] = await Promise.all([
        approve(world.db, r.id, { login: 'carol', id: 3 }),
        expireDue(world.db, r.id),
      ]);
      const after = await loadRequest(world.db, r.id);
      if (approved?.completed) {
        expect(expired).toEqual([]);
        expect(after?.state).toBe('approved');
      } else {
        expect(after?.state).toBe(expired.length === 1 ? 'expired' : 'pending');
        if (after?.state === 'pending')
          expect((await expireDue(world.db, r.id)).length).toBeLessThanOrEqual(1);
      }
      outcomes.add((await loadRequest(world.db, r.id))?.state ?? '');
    }
    expect([...outcomes].every((o) => ['approved', 'expired', 'pending'].includes(o))).toBe(true);
  });
});
