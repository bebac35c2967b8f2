// [storm] A sink may ask to hear only of what went wrong (`failures_only: true`): no
// `recovery.succeeded` reaches it, whatever its `events` list; its failures still do, and
// another sink's successes are unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit } from '../../src/core/index.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(
    world.db,
    [
      'repos:\n  - repo: acme/platform\n    workspaces: all',
      'notify:',
      '  - slack: {url_env: QUIET_SLACK}\n    events: [recovery.failed, recovery.succeeded]\n    failures_only: true',
      '  - slack: {url_env: CHATTY_SLACK}\n    events: [recovery.failed, recovery.succeeded]',
    ].join('\n'),
  );
}, 60_000);
afterAll(() => world?.close());

describe('failures_only', () => {
  it("keeps a sink's successes from it, and nothing else", async () => {
    const ws = { id: '92f6d88b-6a96-4e6a-875b-3cf866fa020a', name: 'one', runtime: 'claude-code' };
    await emit(world.deps(), 'recovery.succeeded', { runId: 'a' }, ws);
    await emit(world.deps(), 'recovery.failed', { runId: 'b' }, ws);
    const { rows } = await world.db.query(
      "SELECT url_env, event FROM medic.outbox WHERE url_env IN ('QUIET_SLACK', 'CHATTY_SLACK') ORDER BY id",
    );
    expect(rows).toEqual([
      { url_env: 'CHATTY_SLACK', event: 'recovery.succeeded' },
      { url_env: 'QUIET_SLACK', event: 'recovery.failed' },
      { url_env: 'CHATTY_SLACK', event: 'recovery.failed' },
    ]);
  });
});
