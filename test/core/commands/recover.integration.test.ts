// The whole recovery against the real Docker engine and a real Postgres server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseTarget } from '../../../src/core/commands/diagnose-target.js';
import { recover } from '../../../src/core/commands/recover.js';
import { rollback } from '../../../src/core/commands/rollback.js';
import { readTarEntries } from '../../../src/core/index.js';
import { resultSchema } from '../../../src/core/model/result.js';
import { packFiles } from '../../../src/docker/tar-write.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
const cli = { actor: 'itest', source: 'cli' } as const;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

describe('recover against a real engine and Postgres', () => {
  it('brings back a container whose config volume is empty and whose row says failed', async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'keep me\n' } });
    const result = resultSchema.parse(await recover(world.deps(), ws.container, cli));

    expect(result.outcome).toBe('recovered');
    expect(await world.ls(ws.volume)).toEqual(['.provisioned', 'config.yaml', 'notes.txt', 'skills']);
    expect(await world.cat(ws.volume, 'notes.txt')).toBe('keep me\n');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime: claude-code');
    const marker = JSON.parse(await world.cat(ws.volume, '.provisioned'));
    expect(marker).toMatchObject({ template: 'claude-code-default', runId: result.runId });
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    expect(await world.status(ws.id)).toBe('online');

    const runs = await world.db.query('SELECT state, outcome, result FROM medic.runs WHERE run_id = $1', [
      result.runId,
    ]);
    expect(runs.rows[0]).toMatchObject({ state: 'finished', outcome: 'recovered' });
    const steps = await world.db.query(
      'SELECT name, status FROM medic.step_events WHERE run_id = $1 ORDER BY seq',
      [result.runId],
    );
    expect(steps.rows.map((r) => (r as { name: string }).name)).toEqual(result.steps.map((s) => s.name));

    const again = await recover(world.deps(), ws.container, cli);
    expect(again.outcome).toBe('healthy');
    expect(again.steps.find((s) => s.name === 'diagnose')?.detail).toContain('.provisioned marker present');
    const full = await diagnoseTarget(world.deps(), ws.container);
    expect(full.marker).toMatchObject({ template: 'claude-code-default', runId: result.runId });
    expect(full.entries).toBe(5); // .provisioned, config.yaml, notes.txt, skills, skills/README.md
  });

  it('plans with --dry-run and changes nothing', async () => {
    const ws = await world.broken();
    const result = await recover(world.deps(), ws.container, { ...cli, dryRun: true });
    expect(result.outcome).toBe('planned');
    expect(await world.ls(ws.volume)).toEqual([]);
    expect(await world.status(ws.id)).toBe('failed');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
  });

  it('marks the row failed when the runtime has no template', async () => {
    const ws = await world.broken({ runtime: 'nosuch', status: 'degraded' });
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.error?.code).toBe('TEMPLATE_NOT_FOUND');
    expect(await world.status(ws.id)).toBe('failed');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
  });

  it('starts a stopped container with an intact config without reseeding', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'user edits\n' }, running: false });
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.steps.map((s) => s.name)).not.toContain('seed');
    expect(await world.cat(ws.volume, 'config.yaml')).toBe('user edits\n');
  });

  it('waits for a HEALTHCHECK to pass before marking online', async () => {
    const ws = await world.broken({
      healthcheck: {
        Test: ['CMD', 'test', '-f', '/configs/config.yaml'],
        Interval: 200_000_000,
        StartPeriod: 0,
        Retries: 3,
      },
    });
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.steps.find((s) => s.name === 'wait')?.detail).toBe('running, healthy');
  });

  it('rolls a forced reseed back to the same bytes', async () => {
    const ws = await world.broken({
      stray: { 'config.yaml': 'hand-tuned: true\n', 'data/state.json': '{"n":1}\n' },
      status: 'online',
    });
    const forced = await recover(world.deps(), ws.container, { ...cli, force: true });
    expect(forced.outcome).toBe('recovered');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime: claude-code');

    const back = await rollback(world.deps(), forced.runId, cli);
    expect(back.outcome).toBe('recovered');
    expect(await world.ls(ws.volume)).toEqual(['config.yaml', 'data']);
    expect(await world.cat(ws.volume, 'config.yaml')).toBe('hand-tuned: true\n');
    expect(await world.cat(ws.volume, 'data/state.json')).toBe('{"n":1}\n');
    // File for file, the volume holds what the snapshot held.
    const now = await world.deps().runtime.exportConfigs(ws.container, 1 << 20);
    const kept = await world.db.query('SELECT tar FROM medic.snapshots WHERE run_id = $1', [forced.runId]);
    expect(await filesOf(now.tar)).toEqual(
      await filesOf(Buffer.from((kept.rows[0] as { tar: Uint8Array }).tar)),
    );
    expect(await world.status(ws.id)).toBe('online');
    // The rollback kept what it replaced: rolling it back puts the forced reseed back.
    expect(back.snapshot).not.toBeNull();
    expect((await rollback(world.deps(), back.runId, cli)).outcome).toBe('recovered');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime: claude-code');
  });

  it('rolls back names that Docker writes as PAX records (non-ASCII, 150 characters, deep), byte for byte', async () => {
    const long = `${'a'.repeat(146)}.txt`;
    const deep = `${Array.from({ length: 12 }, (_, i) => `level-${i}-ünïcødé`).join('/')}/leaf.bin`;
    const stray = {
      'config.yaml': 'hand-tuned: true\n',
      'notes-é.md': 'résumé: ✓\n',
      [long]: 'long name\n',
      [deep]: 'deep\u0000bytes\n',
      '日本語/メモ.txt': 'こんにちは\n',
    };
    const ws = await world.broken({ stray, status: 'online' });
    const forced = await recover(world.deps(), ws.container, { ...cli, force: true });
    expect(forced.outcome).toBe('recovered');
    const back = await rollback(world.deps(), forced.runId, cli);
    expect(back.outcome).toBe('recovered');
    for (const [name, text] of Object.entries(stray)) expect(await world.cat(ws.volume, name)).toBe(text);
    const now = await world.deps().runtime.exportConfigs(ws.container, 1 << 20);
    const kept = await world.db.query('SELECT tar FROM medic.snapshots WHERE run_id = $1', [forced.runId]);
    expect(await filesOf(now.tar)).toEqual(
      await filesOf(Buffer.from((kept.rows[0] as { tar: Uint8Array }).tar)),
    );
    // Nothing was left beside /configs' content: no staging copy, no stray `configs/` directory.
    // (busybox's ls prints non-ASCII as '?', so the names themselves were compared above.)
    const top = await world.ls(ws.volume);
    expect(top).toHaveLength(5);
    expect(top.filter((n) => n === 'configs' || n.startsWith('.medic-'))).toEqual([]);
  });

  it('refuses a snapshot with entries outside /configs (SNAPSHOT_INVALID) and touches nothing', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'mine\n' }, status: 'online' });
    const forced = await recover(world.deps(), ws.container, { ...cli, force: true });
    const evil = await packFiles(
      [
        { path: 'configs/ok.txt', content: Buffer.from('ok'), mode: 0o644 },
        { path: '../../../../x-medic-escape', content: Buffer.from('escaped'), mode: 0o644 },
        { path: '/x-medic-absolute', content: Buffer.from('escaped'), mode: 0o644 },
      ],
      new Date(),
    );
    await world.db.query('UPDATE medic.snapshots SET tar = $2 WHERE run_id = $1', [forced.runId, evil]);
    const before = await world.ls(ws.volume);
    const result = await rollback(world.deps(), forced.runId, cli);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'SNAPSHOT_INVALID' } });
    expect(result.steps.map((s) => s.name)).toEqual(['lease', 'diagnose', 'check']);
    expect(await world.ls(ws.volume)).toEqual(before);
    const inspect = await world.docker.getContainer(ws.container).inspect();
    expect(inspect.State.Running).toBe(true);
    await expect(
      world.docker.getContainer(ws.container).getArchive({ path: '/x-medic-escape' }),
    ).rejects.toThrow();
  });

  it('leaves the previous content when the restore fails midway, starts the container again, and says so', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'mine\n' }, status: 'online' });
    const forced = await recover(world.deps(), ws.container, { ...cli, force: true });
    // A directory the helper cannot move: another user's, without a write bit. The helper
    // runs without CAP_DAC_OVERRIDE, so its swap fails and must undo what it moved.
    const setup = await world.docker.createContainer({
      Image: world.image,
      Cmd: [
        'sh',
        '-c',
        'mkdir /c/locked && echo x > /c/locked/f && chown -R 1000:1000 /c/locked && chmod 500 /c/locked',
      ],
      HostConfig: { Binds: [`${ws.volume}:/c`], NetworkMode: 'none' },
    });
    await setup.start();
    await setup.wait();
    await setup.remove();
    const before = await world.ls(ws.volume);
    const result = await rollback(world.deps(), forced.runId, cli);
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'DOCKER_ERROR' } });
    expect(result.error?.message).toContain('the previous content was put back');
    expect(await world.ls(ws.volume)).toEqual(before);
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime: claude-code');
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    expect(await world.status(ws.id)).toBe('online');
    expect(result.steps.map((st) => `${st.name}:${st.status}`).slice(-2)).toEqual([
      'restore:failed',
      'settle:ok',
    ]);
  });

  it('refuses to roll back a paused workspace', async () => {
    const ws = await world.broken({ stray: { 'config.yaml': 'mine\n' }, status: 'online' });
    const forced = await recover(world.deps(), ws.container, { ...cli, force: true });
    await world.db.query("UPDATE workspaces SET status = 'paused' WHERE id = $1", [ws.id]);
    const result = await rollback(world.deps(), forced.runId, cli);
    expect(result.error?.code).toBe('STATUS_NOT_RECOVERABLE');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime: claude-code');
    expect(await world.status(ws.id)).toBe('paused');
  });

  it('fails with CONTAINER_START_FAILED when the engine will not start the container, and says so in the row', async () => {
    const ws = await world.broken({
      cmd: ['/no/such/agent'],
      running: false,
      status: 'degraded',
    });
    const result = await recover(world.deps({ MEDIC_START_TIMEOUT_S: '5' }), ws.container, cli);
    expect(result.error?.code).toBe('CONTAINER_START_FAILED');
    expect(await world.status(ws.id)).toBe('failed');
  });
});

/** path -> content of a snapshot's files (mtimes and owners aside). */
async function filesOf(tar: Buffer): Promise<Record<string, string>> {
  const entries = await readTarEntries(tar, { maxEntries: 1000, keepContent: () => true });
  return Object.fromEntries(
    entries.filter((e) => e.type === 'file').map((e) => [e.path, e.content?.toString() ?? '']),
  );
}
