// [keep] A recovery keeps what the user wrote: a volume that still holds files has only what is
// missing filled in from the template, no file of the user's overwritten unless it is the broken
// part (a config.yaml that is not a YAML mapping); `from: template` writes the template over
// them, as the seed did; a dry run lists the same files. Against the fake runtime and Postgres.
import { describe, expect, it } from 'vitest';
import { recover } from '../../../src/core/commands/recover.js';
import { addWorkspace, unitDeps } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const cli = { actor: 'alice', source: 'cli' } as const;
const listing = (r: { restore: { files: { action: string; path: string; from: string }[] } | null }) =>
  r.restore?.files.map((f) => `${f.action} ${f.path} (${f.from})`);

describe('recover keeps what the user wrote', () => {
  it('fills in a volume that lost config.yaml, keeping every other file as it was (source fill)', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, {
      files: {
        'skills/README.md': 'my own skill notes',
        'skills/deploy.md': 'mine',
        '.provisioned': '{"old":1}',
      },
    });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.restore?.source).toBe('fill');
    expect(listing(result)).toEqual([
      'kept .provisioned (volume)',
      'added config.yaml (template)',
      'kept skills/README.md (volume)',
      'kept skills/deploy.md (volume)',
    ]);
    const files = world.runtime.get(ws.container).files;
    expect(files.get('skills/README.md')?.toString()).toBe('my own skill notes');
    expect(files.get('.provisioned')?.toString()).toBe('{"old":1}');
    expect(files.get('config.yaml')?.toString()).toContain('template_schema_version');
    expect(result.steps.find((s) => s.name === 'seed')?.detail).toBe(
      '1 added, 0 overwritten, 3 kept (fill) from claude-code-default',
    );
  });

  it('a forced reseed of a workspace whose config is there writes the template over it, as it always did', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, {
      running: true,
      files: { 'config.yaml': 'model: [unclosed', 'skills/README.md': 'mine' },
    });
    const deps = unitDeps(world.db, world.runtime);
    const result = await recover(deps, ws.container, { ...cli, force: true });
    // Its snapshot undoes it (rollback).
    expect(result.snapshot).not.toBeNull();
    expect(result.restore?.source).toBe('template');
    expect(listing(result)).toContain('overwritten config.yaml (template)');
    expect(listing(result)).toContain('overwritten skills/README.md (template)');
  });

  it('with from template, writes every template file over the volume (source template)', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'skills/README.md': 'mine', 'notes.txt': 'mine too' } });
    const result = await recover(unitDeps(world.db, world.runtime), ws.container, {
      ...cli,
      from: 'template',
    });
    expect(result.restore?.source).toBe('template');
    expect(listing(result)).toEqual([
      'added .provisioned (template)',
      'added config.yaml (template)',
      'kept notes.txt (volume)',
      'overwritten skills/README.md (template)',
    ]);
    expect(world.runtime.get(ws.container).files.get('notes.txt')?.toString()).toBe('mine too');
  });

  it('a dry run lists per file what the run that follows does', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'skills/README.md': 'mine' } });
    const deps = unitDeps(world.db, world.runtime);
    const planned = await recover(deps, ws.container, { ...cli, dryRun: true });
    expect(planned.outcome).toBe('planned');
    expect(world.runtime.get(ws.container).files.size).toBe(1);
    const done = await recover(deps, ws.container, cli);
    const strip = (r: typeof planned) => r.restore?.files.filter((f) => f.path !== '.provisioned');
    expect(strip(done)).toEqual(strip(planned));
    expect(planned.restore?.files.find((f) => f.path === 'skills/README.md')).toMatchObject({
      action: 'kept',
      bytes: 4,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  });

  it("a run given the dry run's plan writes exactly it; the volume changed since, it refuses PLAN_CHANGED and writes nothing", async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'skills/README.md': 'mine' } });
    const deps = unitDeps(world.db, world.runtime);
    const planned = await recover(deps, ws.container, { ...cli, dryRun: true });
    const plan = planned.restore?.plan ?? '';
    expect(plan).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(planned.steps.at(-1)?.detail).toContain(`--plan ${plan}`);
    // The user writes a note before the run: the plan no longer says what the run would keep.
    world.runtime.get(ws.container).files.set('notes.txt', Buffer.from('new'));
    const refused = await recover(deps, ws.container, { ...cli, plan });
    expect(refused).toMatchObject({
      outcome: 'failed',
      error: { code: 'PLAN_CHANGED' },
      class: 'plan_changed',
    });
    expect(world.runtime.calls).toEqual([`export ${ws.container}`, `export ${ws.container}`]); // read, never changed
    expect(await world.status(ws.id)).toBe('failed');
    const again = await recover(deps, ws.container, { ...cli, dryRun: true });
    const done = await recover(deps, ws.container, { ...cli, plan: again.restore?.plan ?? '' });
    expect(done.outcome).toBe('recovered');
    expect(done.restore?.plan).toBe(again.restore?.plan);
  });

  it('a change made while the container stopped is caught at the seed: nothing written, the container started again', async () => {
    const ws = await addWorkspace(world.db);
    world.runtime.add(ws.container, { files: { 'skills/README.md': 'mine' } });
    const deps = unitDeps(world.db, world.runtime);
    const plan = (await recover(deps, ws.container, { ...cli, dryRun: true })).restore?.plan ?? '';
    world.runtime.beforeCall = (call, name) => {
      // The agent writes its last words as it stops.
      if (call === 'stop') world.runtime.get(name).files.set('last-words.txt', Buffer.from('bye'));
    };
    const refused = await recover(deps, ws.container, { ...cli, plan });
    expect(refused.error?.code).toBe('PLAN_CHANGED');
    expect(world.runtime.get(ws.container).files.has('config.yaml')).toBe(false);
    expect(world.runtime.get(ws.container).running).toBe(true);
    expect(refused.steps.map((s) => `${s.name}:${s.status}`)).toEqual(
      expect.arrayContaining(['plan:ok', 'stop:ok', 'seed:failed', 'settle:ok']),
    );
  });
});
