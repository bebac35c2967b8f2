// [contain]: existence is no oracle. From GitHub, `/hold` and `/release` answer a workspace that
// does not exist exactly as they answer one outside the grant (or above the caller's role), as
// `/recover` does.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hold, recover, release } from '../../src/core/index.js';
import { applyTestPolicy, testGrant } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db, 'repos:\n  - repo: acme/platform\n    workspaces: {names: ["team-a *"]}\n');
}, 60_000);
afterAll(() => world?.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );

describe('a missing workspace is answered as one outside the grant', () => {
  it('by /hold, /release and /recover alike, for every role', async () => {
    const existing = await world.broken({ status: 'online' }); // its name is not "team-a …"
    const missing = `ws-${randomUUID().slice(0, 12)}`;
    for (const role of ['read', 'write', 'admin']) {
      const request = {
        actor: 'mallory',
        source: 'app' as const,
        grant: testGrant('acme/platform', role),
      };
      const answers = async (target: string) => [
        await codeOf(hold(world.deps(), { targets: [target] }, { ...request, reason: 'x', forMs: 60_000 })),
        await codeOf(release(world.deps(), { targets: [target] }, request)),
        (await recover(world.deps(), target, request)).error?.code ?? 'ok',
      ];
      const there = await answers(existing.container);
      expect(there).not.toContain('WORKSPACE_NOT_FOUND');
      expect(await answers(missing)).toEqual(there);
    }
  }, 60_000);
});
