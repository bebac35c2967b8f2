// The policy enforced in the core, before the lease, for commands from GitHub (a grant): the
// repository, the permission (elevated for --force and rollback), the workspace's selector
// (a made-up id is not granted either); every refusal stored as a run with outcome `refused`,
// tied to the workspace when it exists, and nothing touched. The CLI (no grant) is not scoped.
import { describe, expect, it } from 'vitest';
import { diagnoseTarget, type Grant, recover, rollback, takeCommandSlots } from '../../../src/core/index.js';
import { addWorkspace, applyTestPolicy, testGrant } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const TEAM_A = `repos:
  - repo: acme/team-a
    workspaces:
      names: ["team-a *"]
`;
const grant = (role: string, repo = 'acme/team-a'): Grant => testGrant(repo, role);
const from = (role: string, repo?: string) => ({
  actor: 'alice',
  source: 'app' as const,
  grant: grant(role, repo),
});

async function named(name: string, status = 'failed') {
  const ws = await addWorkspace(world.db, { status });
  await world.db.query('UPDATE workspaces SET name = $2 WHERE id = $1', [ws.id, name]);
  world.runtime.add(ws.container);
  return ws;
}

const runs = () =>
  world.db.query(
    "SELECT outcome, error_code, workspace_id::text AS ws, origin FROM medic.runs WHERE outcome = 'refused' ORDER BY started_at",
  );

describe('admission from GitHub', () => {
  it('refuses everything with REPO_NOT_GRANTED while no policy is applied, naming medic policy apply', async () => {
    const ws = await named('team-a one');
    const result = await recover(world.deps(), ws.container, from('admin'));
    expect(result).toMatchObject({ outcome: 'refused', error: { code: 'REPO_NOT_GRANTED' } });
    expect(result.origin).toEqual({ repo: 'acme/team-a', issue: 7, comment: 99 });
    expect(world.runtime.calls).toEqual([]);
    expect(await world.status(ws.id)).toBe('failed');
    expect((await runs()).rows).toEqual([
      { outcome: 'refused', error_code: 'REPO_NOT_GRANTED', ws: ws.id, origin: result.origin },
    ]);
  });

  it('refuses a repository no rule matches, even for an admin', async () => {
    await applyTestPolicy(world.db, TEAM_A);
    const ws = await named('team-a one');
    const result = await recover(world.deps(), ws.container, from('admin', 'acme/elsewhere'));
    expect(result.error?.code).toBe('REPO_NOT_GRANTED');
    expect(world.runtime.calls).toEqual([]);
  });

  it('refuses a workspace outside the selector, and a made-up id, alike, revealing nothing', async () => {
    await applyTestPolicy(world.db, TEAM_A);
    const other = await named('team-b one');
    const outside = await recover(world.deps(), other.container, from('write'));
    const madeUp = await recover(world.deps(), 'ws-00000000-000', from('write'));
    for (const r of [outside, madeUp]) {
      expect(r).toMatchObject({ outcome: 'refused', error: { code: 'WORKSPACE_NOT_GRANTED' } });
      expect(r.workspace).toMatchObject({ id: null, runtime: null, statusBefore: null });
    }
    expect(world.runtime.calls).toEqual([]);
    // The operator's trail ties the first to its workspace; the made-up one to none.
    expect((await runs()).rows.map((r) => (r as { ws: string | null }).ws)).toEqual([other.id, null]);
  });

  it('recovers a granted workspace for a writer, with the origin in its result', async () => {
    await applyTestPolicy(world.db, TEAM_A);
    const ws = await named('team-a one');
    const result = await recover(world.deps(), ws.container, from('write'));
    expect(result).toMatchObject({
      outcome: 'recovered',
      origin: { repo: 'acme/team-a', issue: 7, comment: 99 },
    });
  });

  it('needs the elevated permission for --force and rollback: a writer is refused naming maintain', async () => {
    await applyTestPolicy(world.db, TEAM_A);
    const ws = await named('team-a one', 'online');
    world.runtime.get(ws.container).files.set('config.yaml', Buffer.from('mine'));
    const writer = await recover(world.deps(), ws.container, { ...from('write'), force: true });
    expect(writer).toMatchObject({ outcome: 'refused', error: { code: 'PERMISSION_DENIED' } });
    expect(writer.error?.message).toContain('needs maintain');
    const maintainer = await recover(world.deps(), ws.container, { ...from('maintain'), force: true });
    expect(maintainer.outcome).toBe('recovered');
    const undo = await rollback(world.deps(), maintainer.runId, from('write'));
    expect(undo.error?.code).toBe('PERMISSION_DENIED');
    expect((await rollback(world.deps(), maintainer.runId, from('maintain'))).outcome).toBe('recovered');
  });

  it('refuses a read-only user below write, whatever else', async () => {
    await applyTestPolicy(world.db, TEAM_A);
    const ws = await named('team-a one');
    expect((await recover(world.deps(), ws.container, from('read'))).error?.code).toBe('PERMISSION_DENIED');
    await expect(
      diagnoseTarget(world.deps(), ws.container, { request: from('triage') }),
    ).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    await expect(
      diagnoseTarget(world.deps(), ws.container, { request: from('triage'), permission: 'triage' }),
    ).resolves.toMatchObject({ verdict: 'needs-seed' });
  });

  it('leaves the CLI (no grant) unscoped', async () => {
    const ws = await named('anything');
    expect((await recover(world.deps(), ws.container, { actor: 'root', source: 'cli' })).outcome).toBe(
      'recovered',
    );
  });
});

describe('rate limit', () => {
  it('takes at most 20 commands per actor in ten minutes; a refused batch takes none', async () => {
    await takeCommandSlots(world.db, 'alice', 'acme/x', 19);
    await expect(takeCommandSlots(world.db, 'Alice', 'acme/y', 2)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    await takeCommandSlots(world.db, 'alice', 'acme/x', 1);
    await expect(takeCommandSlots(world.db, 'alice', 'acme/x', 1)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    await takeCommandSlots(world.db, 'bob', 'acme/x', 20);
  });
});
