// The Run frame: the run is recorded before its body, every step is appended as it ends, a
// lease held by another live run is `busy` (naming it), a failing step is `failed` with its
// code, and the lease is released however the body ends.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TemplateNotFoundError } from '../../../src/core/model/errors.js';
import { acquireLease, leaseLapsesInMs } from '../../../src/core/run/lease.js';
import { ResultDraft } from '../../../src/core/run/result-draft.js';
import { Run } from '../../../src/core/run/run.js';
import { addWorkspace } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const options = { actor: 'alice', source: 'cli' } as const;

/** A run over a fresh workspace; `before` may set the scene (say, another run's lease). */
async function frame(
  body: (run: Run) => Promise<'recovered'>,
  before?: (workspaceId: string) => Promise<void>,
) {
  const ws = await addWorkspace(world.db);
  await before?.(ws.id);
  const row = { id: ws.id, name: 'test', status: 'failed', runtime: 'claude-code' };
  const draft = new ResultDraft({
    runId: randomUUID(),
    command: 'recover',
    options: options,
    startedAt: new Date(),
    input: ws.container,
  });
  draft.found(row);
  return { ws, result: await Run.execute(world.deps(), draft, row, options, body) };
}

const stored = (runId: string) =>
  world.db.one<{ state: string; outcome: string; error_code: string | null; steps: number }>(
    `SELECT state, outcome, error_code, (SELECT count(*)::int FROM medic.step_events s WHERE s.run_id = r.run_id) AS steps
       FROM medic.runs r WHERE run_id = $1`,
    [runId],
  );

describe('Run.execute', () => {
  it('records the run and each step, ends with the body outcome, and releases the lease', async () => {
    const { result } = await frame(async (run) => {
      expect(await stored(run.id)).toMatchObject({ state: 'running' });
      await run.step('work', async () => ({ detail: 'did it', value: 1 }));
      await run.skip('nothing', 'nothing to do');
      return 'recovered';
    });
    expect(result.outcome).toBe('recovered');
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'lease:ok',
      'work:ok',
      'nothing:skipped',
    ]);
    expect(await stored(result.runId)).toEqual({
      state: 'finished',
      outcome: 'recovered',
      error_code: null,
      steps: 3,
    });
    expect(await world.db.one('SELECT * FROM medic.leases')).toBeUndefined();
  });

  it('stores every step in the trail before the next change begins, without a round trip of its own', async () => {
    const trail = (runId: string) =>
      world.db.query('SELECT name FROM medic.step_events WHERE run_id = $1 ORDER BY seq', [runId]);
    const seen: string[][] = [];
    const { result } = await frame(async (run) => {
      await run.step('look', async () => ({ detail: 'looked', value: 1 }));
      await run.change('act', async () => {
        seen.push((await trail(run.id)).rows.map((r) => (r as { name: string }).name));
        return { detail: 'acted', value: 1 };
      });
      await run.change('act-again', async () => {
        seen.push((await trail(run.id)).rows.map((r) => (r as { name: string }).name));
        return { detail: 'acted', value: 1 };
      });
      return 'recovered';
    });
    expect(seen).toEqual([
      ['lease', 'look'],
      ['lease', 'look', 'act'],
    ]);
    const { rows } = await trail(result.runId);
    expect(rows.map((r) => (r as { name: string }).name)).toEqual(['lease', 'look', 'act', 'act-again']);
  });

  it('is failed with the step code when a step throws, and the failed step is on the trail', async () => {
    const { result } = await frame(async (run) => {
      await run.step('template', async () => {
        throw new TemplateNotFoundError('none here');
      });
      return 'recovered';
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      error: { code: 'TEMPLATE_NOT_FOUND', message: 'none here' },
    });
    expect(result.steps.at(-1)).toMatchObject({
      name: 'template',
      status: 'failed',
      detail: 'TEMPLATE_NOT_FOUND: none here',
    });
    expect(await world.db.one('SELECT * FROM medic.leases')).toBeUndefined();
  });

  it('is busy, naming the holder, when another live run holds the lease; the body never runs', async () => {
    let ran = false;
    const holder = randomUUID();
    const { result } = await frame(
      async () => {
        ran = true;
        return 'recovered';
      },
      async (id) => {
        await acquireLease(world.db, { workspaceId: id, runId: holder, holder: 'other:1', ttlS: 300 });
      },
    );
    expect(ran).toBe(false);
    expect(result).toMatchObject({ outcome: 'busy', error: { code: 'LEASE_HELD' } });
    expect(result.error?.message).toContain(holder);
  });

  it('[defaults] says when a held lease lapses by its TTL, so that a task waits for it rather than counting attempts', async () => {
    const { id } = await addWorkspace(world.db);
    expect(await leaseLapsesInMs(world.db, id)).toBeNull();
    await acquireLease(world.db, { workspaceId: id, runId: randomUUID(), holder: 'other:1', ttlS: 15 });
    const ms = await leaseLapsesInMs(world.db, id);
    expect(ms).toBeGreaterThan(13_000);
    expect(ms).toBeLessThanOrEqual(15_000);
  });
});
