// Every branch of the recovery's steps (docs/recovery.md), against the fake runtime and a real
// (in-process) Postgres: the seed's missing "unit test covering the recovery path", and the rest.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { statusLines } from '../../../src/cli/commands/status.js';
import { diagnosisLines, diagnosisView } from '../../../src/cli/render.js';
import { diagnoseTarget } from '../../../src/core/commands/diagnose-target.js';
import { recover } from '../../../src/core/commands/recover.js';
import { DatabaseUnavailableError } from '../../../src/core/model/errors.js';
import type { Database } from '../../../src/core/model/ports.js';
import { resultSchema } from '../../../src/core/model/result.js';
import { acquireLease } from '../../../src/core/run/lease.js';
import { overviewPage } from '../../../src/dashboard/overview-page.js';
import { workspacePage } from '../../../src/dashboard/pages.js';
import { fleetStatus } from '../../../src/engines/fleet-status.js';
import { addWorkspace, unitDeps } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const cli = { actor: 'alice', source: 'cli' } as const;
const statusOf = world.status;
const stepNames = (r: { steps: { name: string; status: string }[] }) =>
  r.steps.map((s) => `${s.name}:${s.status}`);

describe('recover', () => {
  it('reseeds an empty volume from <runtime>-default, keeps stray files, starts, marks online', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'notes.txt': 'keep me' } });
    const listed = vi.spyOn(world.runtime.port, 'listConfigs');
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, {
      ...cli,
      reason: 'volume pruned',
    });
    // The volume is read once, after the stop: that one export both finds the stray file and
    // is the snapshot.
    expect(world.runtime.calls).toEqual([
      `stop ${ws.container}`,
      `export ${ws.container}`,
      `write ${ws.container}`,
      `start ${ws.container}`,
    ]);
    expect(listed).not.toHaveBeenCalled();

    expect(resultSchema.parse(result).outcome).toBe('recovered');
    expect(stepNames(result)).toEqual([
      'lease:ok',
      'diagnose:ok',
      'budget:ok',
      'template:ok',
      'stop:ok',
      'snapshot:ok',
      'seed:ok',
      'start:ok',
      'wait:ok',
      'mark-online:ok',
    ]);
    const files = world.runtime.get(ws.container).files;
    expect(files.get('config.yaml')?.toString()).toContain('runtime: claude-code');
    expect(files.get('notes.txt')?.toString()).toBe('keep me');
    const marker = JSON.parse(files.get('.provisioned')!.toString());
    expect(marker).toMatchObject({
      template: 'claude-code-default',
      runId: result.runId,
      digest: result.template?.digest,
    });
    expect(world.runtime.get(ws.container).running).toBe(true);
    expect(await statusOf(ws.id)).toBe('online');
    expect(result.workspace).toMatchObject({
      id: ws.id,
      statusBefore: 'failed',
      statusAfter: 'online',
      runtime: 'claude-code',
    });
    expect(result.snapshot?.digest).toMatch(/^sha256:/);
    const run = await world.db.one<{ state: string; outcome: string; reason: string }>(
      'SELECT * FROM medic.runs WHERE run_id = $1',
      [result.runId],
    );
    expect(run).toMatchObject({ state: 'finished', outcome: 'recovered', reason: 'volume pruned' });
    const steps = await world.db.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM medic.step_events WHERE run_id = $1',
      [result.runId],
    );
    expect(steps?.n).toBe(10);
    expect(await world.db.one('SELECT * FROM medic.leases')).toBeUndefined();
  });

  it('skips the snapshot when the volume is empty, and finds the workspace by full uuid', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const result = await recover(unitDeps(world.db, world.runtime), ws.id, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.steps.find((s) => s.name === 'snapshot')).toMatchObject({
      status: 'skipped',
      detail: `${ws.container}-configs is empty`,
    });
    expect(result.snapshot).toBeNull();
    expect(await world.db.one('SELECT * FROM medic.snapshots')).toBeUndefined();
  });

  it('snapshots what the agent wrote while it shut down (the volume is read after the stop)', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container); // empty when listed, side by side with the stop
    world.runtime.beforeCall = (call, name) => {
      if (call === 'stop')
        world.runtime.get(name).files.set('skills/README.md', Buffer.from('written at shutdown'));
    };
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.steps.find((s) => s.name === 'snapshot')?.detail).toMatch(/^1 entries/);
    const kept = await world.db.one<{ tar: Uint8Array }>(
      'SELECT tar FROM medic.snapshots WHERE run_id = $1',
      [result.runId],
    );
    expect(Buffer.from(kept!.tar).toString()).toContain('written at shutdown');
  });

  it('leaves a healthy workspace alone', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    world.runtime.add(ws.container, { files: { 'config.yaml': 'mine' } });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('healthy');
    expect(world.runtime.calls).toEqual([]);
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toBe('mine');
    expect(result.template).toBeNull();
  });

  it('starts a stopped container whose config is intact, without reseeding', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { running: false, exitCode: 137, files: { 'config.yaml': 'mine' } });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(world.runtime.calls).toEqual([`start ${ws.container}`]);
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toBe('mine');
    expect(await statusOf(ws.id)).toBe('online');
  });

  it('--dry-run plans with the digest and changes nothing', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, { ...cli, dryRun: true });
    expect(result.outcome).toBe('planned');
    expect(result.template?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.steps.at(-1)?.detail).toContain('would stop');
    // Read as the snapshot would read it (to list the files), nothing changed.
    expect(world.runtime.calls).toEqual([`export ${ws.container}`]);
    expect(result.restore?.source).toBe('template');
    expect(result.restore?.files.map((f) => `${f.action} ${f.path}`)).toEqual([
      'added .provisioned',
      'added config.yaml',
      'added skills/README.md',
    ]);
    expect(world.runtime.get(ws.container).files.size).toBe(0);
    expect(await statusOf(ws.id)).toBe('failed');
  });

  it('falls back to the bare runtime name when there is no -default template', async () => {
    const ws = await addWorkspace(world.db, { runtime: 'langgraph' });
    world.runtime.add(ws.container);
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.template?.name).toBe('langgraph');
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toContain(
      'runtime: langgraph',
    );
  });

  it('marks the workspace failed when its runtime has no template', async () => {
    const ws = await addWorkspace(world.db, { runtime: 'nosuchruntime', status: 'degraded' });
    world.runtime.add(ws.container);
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('failed');
    expect(result.error?.code).toBe('TEMPLATE_NOT_FOUND');
    expect(await statusOf(ws.id)).toBe('failed');
    expect(result.workspace.statusAfter).toBe('failed');
    expect(world.runtime.calls).toEqual([]);
  });

  it.each(['removed', 'paused', 'hibernated'])(
    'refuses a %s workspace and touches nothing',
    async (status) => {
      const ws = await addWorkspace(world.db, { status });
      world.runtime.add(ws.container);
      const result = await recover(unitDeps(world.db, world.runtime), ws.container, { ...cli, force: true });
      expect(result.error?.code).toBe('STATUS_NOT_RECOVERABLE');
      expect(world.runtime.calls).toEqual([]);
      expect(await statusOf(ws.id)).toBe(status);
    },
  );

  it('reports a workspace that is not in the table, and records no run', async () => {
    const result = await recover(unitDeps(world.db, world.runtime), 'ws-00000000-000', cli);
    expect(result.error?.code).toBe('WORKSPACE_NOT_FOUND');
    expect(result.workspace.container).toBe('ws-00000000-000');
    expect(await world.db.one('SELECT * FROM medic.runs')).toBeUndefined();
  });

  it('refuses a prefix that matches two workspaces', async () => {
    await addWorkspace(world.db, { id: 'aaaaaaaa-aaaa-4000-8000-000000000001' });
    await addWorkspace(world.db, { id: 'aaaaaaaa-aaaa-4000-8000-000000000002' });
    const result = await recover(unitDeps(world.db, world.runtime), 'ws-aaaaaaaa-aaa', cli);
    expect(result.error?.code).toBe('AMBIGUOUS_WORKSPACE');
  });

  it.each(['ws-xyz', '../../etc', 'ws-92f6d88b-6a96', '', 'ws-92F6D88B6A9'])(
    'rejects target %j as invalid',
    async (bad) => {
      const result = await recover(unitDeps(world.db, world.runtime), bad, cli);
      expect(result.error?.code).toBe('INVALID_TARGET');
      expect(result.steps).toEqual([]);
    },
  );

  it('says busy, naming the run that holds the lease', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    // Another run of this process (the embedded database has one session) holds it.
    const holder = crypto.randomUUID();
    expect(
      await acquireLease(world.db, { workspaceId: ws.id, runId: holder, holder: 'other:9', ttlS: 300 }),
    ).toMatchObject({ acquired: true });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('busy');
    expect(result.error).toMatchObject({ code: 'LEASE_HELD' });
    expect(result.error?.message).toContain(holder);
    expect(world.runtime.calls).toEqual([]);
  });

  it('takes over a lapsed lease, says so in the trail, and marks the dead run abandoned', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const dead = crypto.randomUUID();
    await world.db.query(
      "INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, started_at) VALUES ($1, $2, 'recover', 'cli', 'x', 'running', now())",
      [dead, ws.id],
    );
    await world.db.query(
      "INSERT INTO medic.leases VALUES ($1, $2, 'gone:9', NULL, NULL, now() - interval '10 minutes', now() - interval '5 minutes')",
      [ws.id, dead],
    );
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.steps[0]?.detail).toContain(`took over the lease of run ${dead}`);
    expect(await world.db.one('SELECT state FROM medic.runs WHERE run_id = $1', [dead])).toEqual({
      state: 'abandoned',
    });
  });

  it('renews its lease before each change, so a slow step never outlives it', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const expiry = async () =>
      new Date(
        (await world.db.one<{ expires_at: string }>('SELECT expires_at FROM medic.leases'))!.expires_at,
      ).getTime();
    let atStop = 0;
    let atSeed = 0;
    world.runtime.beforeCall = async (call) => {
      if (call === 'stop') {
        atStop = await expiry();
        await new Promise((r) => setTimeout(r, 500)); // a slow stop
      }
      if (call === 'write') atSeed = await expiry();
    };
    const result = await recover(
      unitDeps(world.db, world.runtime, { MEDIC_LEASE_TTL_S: '7', MEDIC_STOP_TIMEOUT_S: '1' }),
      ws.container,
      cli,
    );
    expect(result.outcome).toBe('recovered');
    expect(atSeed - atStop).toBeGreaterThanOrEqual(400);
  });

  it('refuses past the restart budget unless forced', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    // Two earlier recoveries that stopped it (what the budget counts).
    for (let i = 0; i < 2; i++) {
      const runId = crypto.randomUUID();
      await world.db.query(
        "INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, started_at) VALUES ($1, $2, 'recover', 'auto', 'w', 'running', now())",
        [runId, ws.id],
      );
      await world.db.query(
        `WITH s AS (INSERT INTO medic.step_events (run_id, seq, name, status, ms, detail) VALUES ($1, 1, 'stop', 'ok', 1, 'stopped'))
         UPDATE medic.runs SET state = 'finished', outcome = 'recovered', finished_at = now() WHERE run_id = $1`,
        [runId],
      );
    }
    const deps = unitDeps(world.db, world.runtime, { MEDIC_RESTART_BUDGET: '2/1h' });
    const refused = await recover(deps, ws.container, cli);
    expect(refused.error?.code).toBe('RESTART_BUDGET_EXCEEDED');
    expect(refused.error?.message).toMatch(
      /2 of 2 recoveries used in the last 1h \(runs [0-9a-f]{8}, [0-9a-f]{8}, each stopped or restarted it\)/,
    );
    expect(world.runtime.calls).toEqual([]);
    const forced = await recover(deps, ws.container, { ...cli, force: true });
    expect(forced.outcome).toBe('recovered');
    expect(forced.steps.find((s) => s.name === 'budget')?.detail).toContain('overridden by --force');
  });

  it('[defaults] attempts that changed nothing leave the budget untouched: three TEMPLATE_NOT_FOUND, then the template is added and it recovers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-configs-'));
    const ws = await addWorkspace(world.db, { runtime: 'new-runtime' });
    world.runtime.add(ws.container);
    const deps = unitDeps(world.db, world.runtime, { MEDIC_RESTART_BUDGET: '3/1h', CONFIGS_DIR: dir });
    for (let i = 0; i < 3; i++) {
      expect((await recover(deps, ws.container, cli)).error?.code).toBe('TEMPLATE_NOT_FOUND');
    }
    await mkdir(path.join(dir, 'new-runtime'));
    await writeFile(
      path.join(dir, 'new-runtime', 'config.yaml'),
      'template_schema_version: 1\nruntime: new-runtime\n',
    );
    const ran = await recover(deps, ws.container, cli);
    expect(ran.error).toBeNull();
    expect(ran.outcome).toBe('recovered');
    expect(ran.steps.find((s) => s.name === 'budget')?.detail).toBe('0 of 3 recoveries used in the last 1h');
  });

  it('[defaults] diagnose shows what is left of the restart budget and when the oldest counted recovery leaves the window', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const deps = unitDeps(world.db, world.runtime, { MEDIC_RESTART_BUDGET: '3/1h' });
    expect((await diagnoseTarget(deps, ws.container)).budget).toEqual({
      used: 0,
      max: 3,
      window: '1h',
      frees: null,
    });
    expect((await recover(deps, ws.container, cli)).outcome).toBe('recovered');
    const after = (await diagnoseTarget(deps, ws.container)).budget;
    expect(after).toMatchObject({ used: 1, max: 3, window: '1h' });
    const frees = Date.parse(after!.frees!) - Date.now();
    expect(frees).toBeGreaterThan(59 * 60_000);
    expect(frees).toBeLessThanOrEqual(60 * 60_000);
    const lines = diagnosisLines(diagnosisView(ws.container, (await diagnoseTarget(deps, ws.container))!));
    expect(lines.join('\n')).toMatch(
      /restart budget: 1 of 3 used in the last 1h; the oldest leaves the window at /,
    );
  });

  it("[defaults] medic status and the dashboard show each failed workspace's budget and when it frees", async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    const deps = unitDeps(world.db, world.runtime, { MEDIC_RESTART_BUDGET: '1/1h' });
    expect((await recover(deps, ws.container, cli)).outcome).toBe('recovered');
    await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [ws.id]);
    const status = await fleetStatus(world.db, deps.config.restartBudget, deps.config.regressionWindowMs);
    const failed = status.failed.find((w) => w.id === ws.id)!;
    expect(failed.budget).toMatchObject({ used: 1, max: 1, window: '1h' });
    const painted = statusLines(status, new Date()).find((l) => l.includes(ws.container))!;
    const line = painted.replace(/[\uE000-\uE005]/g, ''); // paint()'s markers, made colours by the terminal
    expect(line).toMatch(/single host {2}budget spent \(1\/1 per 1h\), frees in (59|60)m/);
    const overview = await overviewPage(deps, '', true);
    expect(JSON.stringify(overview.json)).toContain('"budget":{"used":1,"max":1,"window":"1h"');
    const page = await workspacePage(deps, '', ws.container, false);
    expect(page.html).toMatch(/Restart budget: <span class="failed">spent: 1 of 1 used per 1h, frees /);
  });

  it('--force reseeds a healthy workspace after snapshotting it', async () => {
    const ws = await addWorkspace(world.db, { status: 'online' });
    world.runtime.add(ws.container, { files: { 'config.yaml': 'edited by the user' } });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, { ...cli, force: true });
    expect(result.outcome).toBe('recovered');
    expect(result.snapshot?.bytes).toBeGreaterThan(0);
    const kept = await world.db.one<{ digest: string }>(
      'SELECT digest FROM medic.snapshots WHERE run_id = $1',
      [result.runId],
    );
    expect(kept?.digest).toBe(result.snapshot?.digest);
  });

  it('marks the row failed when the container will not start, and says why', async () => {
    const ws = await addWorkspace(world.db, { status: 'degraded' });
    world.runtime.add(ws.container);
    world.runtime.startsCleanly = false;
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.error?.code).toBe('CONTAINER_START_FAILED');
    expect(result.steps.at(-1)).toMatchObject({ name: 'wait', status: 'failed' });
    expect(await statusOf(ws.id)).toBe('failed');
  });

  it('times out a start that never becomes healthy', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { health: 'starting' });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.error?.code).toBe('START_TIMEOUT');
    expect(await statusOf(ws.id)).toBe('failed');
  });

  it('does not mark online a workspace the platform paused meanwhile', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    world.runtime.beforeCall = async (call) => {
      if (call === 'start')
        await world.db.query("UPDATE workspaces SET status = 'paused' WHERE id = $1", [ws.id]);
    };
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.error?.code).toBe('STATUS_CHANGED');
    expect(await statusOf(ws.id)).toBe('paused');
  });

  it.each(['../../etc', 'a/b', '/etc', '..', 'UPPER'])(
    'refuses runtime %j without changing anything',
    async (bad) => {
      const ws = await addWorkspace(world.db, { runtime: bad });
      world.runtime.add(ws.container);
      const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
      expect(result.error?.code).toBe('INVALID_RUNTIME');
      expect(world.runtime.calls).toEqual([]);
      expect(await statusOf(ws.id)).toBe('failed');
    },
  );

  it('fails with DOCKER_UNAVAILABLE when the engine is down, before changing anything', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container);
    world.runtime.reachable = false;
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.error?.code).toBe('DOCKER_UNAVAILABLE');
    expect(await statusOf(ws.id)).toBe('failed');
  });

  it('uses a template root given by CONFIGS_DIR', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'medic-t-'));
    await mkdir(path.join(root, 'codex'));
    await writeFile(
      path.join(root, 'codex', 'config.yaml'),
      'runtime: codex # custom\ntemplate_schema_version: 1\n',
    );
    const ws = await addWorkspace(world.db, { runtime: 'codex' });
    world.runtime.add(ws.container);
    const result = await recover(unitDeps(world.db, world.runtime, { CONFIGS_DIR: root }), ws.container, cli);
    expect(world.runtime.get(ws.container).files.get('config.yaml')?.toString()).toBe(
      'runtime: codex # custom\ntemplate_schema_version: 1\n',
    );
    expect(result.outcome).toBe('recovered');
  });

  it('marks online a workspace that runs with its config while its row says failed (a run killed before mark-online)', async () => {
    const ws = await addWorkspace(world.db, { status: 'failed' });
    world.runtime.add(ws.container, { files: { 'config.yaml': 'ok\n' } });
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(stepNames(result)).toEqual(['lease:ok', 'diagnose:ok', 'mark-online:ok']);
    expect(result.workspace).toMatchObject({ statusBefore: 'failed', statusAfter: 'online' });
    expect(await statusOf(ws.id)).toBe('online');
    expect(world.runtime.calls).toEqual([]);
    // And a second run finds it healthy.
    expect((await recover(world.deps(), ws.container, cli)).outcome).toBe('healthy');
  });

  it('stops before its next change with LEASE_LOST when another run took its lease', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'notes.txt': 'mine' } });
    world.runtime.beforeCall = async (call) => {
      // While this run stops the container, it stalls past its TTL and another run takes over.
      if (call === 'stop') await world.db.query('UPDATE medic.leases SET run_id = gen_random_uuid()');
    };
    const result = await recover(world.deps(), ws.container, cli);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'LEASE_LOST' } });
    expect(stepNames(result).slice(-2)).toEqual(['snapshot:ok', 'seed:failed']);
    expect(world.runtime.calls).toEqual([`stop ${ws.container}`, `export ${ws.container}`]);
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(false);
  });

  it('stops LEASE_LOST, not DATABASE_UNAVAILABLE, when its session went away during a step the renewal did not see', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'notes.txt': 'mine' } });
    // Postgres restarts while the container stops: the run's own session is gone (the lease's
    // lock with it), and no renewal fires before the snapshot step writes on it.
    let gone = false;
    const deps = world.deps();
    const db: Database = {
      ...deps.db,
      query: (sql, params) => deps.db.query(sql, params),
      close: () => deps.db.close(),
      session: (fn) =>
        deps.db.session((session) =>
          fn({
            query: (sql, params) =>
              gone
                ? Promise.reject(new DatabaseUnavailableError('Connection terminated unexpectedly'))
                : session.query(sql, params),
          }),
        ),
    };
    world.runtime.beforeCall = async (call) => {
      if (call === 'stop') gone = true;
    };
    const result = await recover({ ...deps, db }, ws.container, cli);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'LEASE_LOST' } });
    expect(result.error?.message).toContain("the database session that held this run's lease is gone");
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(false);
    // Its end is stored all the same, through a connection of its own.
    const { rows } = await world.db.query('SELECT error_code FROM medic.runs WHERE run_id = $1', [
      result.runId,
    ]);
    expect(rows).toEqual([{ error_code: 'LEASE_LOST' }]);
  });

  it('refuses a template declaring another runtime (TEMPLATE_INVALID) before anything is written', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'medic-swap-'));
    await mkdir(path.join(root, 'langgraph-default'));
    await writeFile(
      path.join(root, 'langgraph-default', 'config.yaml'),
      'runtime: claude-code\ntemplate_schema_version: 1\n',
    );
    const ws = await addWorkspace(world.db, { runtime: 'langgraph' });
    world.runtime.add(ws.container, { files: { 'notes.txt': 'mine' } });
    const result = await recover(unitDeps(world.db, world.runtime, { CONFIGS_DIR: root }), ws.container, cli);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'TEMPLATE_INVALID' } });
    expect(world.runtime.calls).toEqual([]);
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(false);
  });
});
