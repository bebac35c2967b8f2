// The refusal budget across processes' worth of sessions on a real Postgres: twenty refusals
// of one actor in one repository recorded at once, from twenty sessions, get exactly one
// written answer and one reaction; another repository has its own budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRefusal } from '../../../src/core/index.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('recordRefusal', () => {
  it('answers one of twenty concurrent refusals in writing and one with a reaction', async () => {
    const refusal = { actor: 'Mallory', repo: 'acme/platform', code: 'PERMISSION_DENIED', held: 'read' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordRefusal(world.db, { ...refusal, actor: i % 2 ? 'mallory' : 'MALLORY' }),
      ),
    );
    expect(answers.filter((a) => a === 'comment')).toHaveLength(1);
    expect(answers.filter((a) => a === 'reaction')).toHaveLength(1);
    expect(answers.filter((a) => a === 'none')).toHaveLength(18);
    expect(await recordRefusal(world.db, { ...refusal, repo: 'acme/other' })).toBe('comment');
  });
});
