// [contain]: a dry run changes nothing. On the real engine: a healthy container whose row says
// `failed` is planned, not marked online; the budget's count and the workspace are as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover } from '../../src/core/index.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

const counted = async (id: string) =>
  (
    await world.db.query(
      "SELECT count(*)::int AS n FROM medic.runs WHERE workspace_id = $1 AND outcome IN ('recovered', 'failed')",
      [id],
    )
  ).rows[0];

describe('a dry run', () => {
  it('leaves the row of a healthy container that says failed as it was', async () => {
    const ws = await world.broken();
    expect((await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' })).outcome).toBe(
      'recovered',
    );
    await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [ws.id]);
    const before = await counted(ws.id);
    const planned = await recover(world.deps(), ws.container, {
      actor: 'alice',
      source: 'cli',
      dryRun: true,
    });
    expect(planned.outcome).toBe('planned');
    expect(planned.steps.at(-1)).toMatchObject({ name: 'mark online', status: 'skipped' });
    expect(await world.status(ws.id)).toBe('failed');
    expect(await counted(ws.id)).toEqual(before);
    // The same without --dry-run fixes the row, as before.
    expect((await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' })).outcome).toBe(
      'recovered',
    );
    expect(await world.status(ws.id)).toBe('online');
  }, 60_000);
});
