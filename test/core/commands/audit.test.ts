// [contain] The trail's seals on the embedded engine (PGlite): every run that ends through the
// core is sealed; a prune of old runs keeps the chain verifiable (their seals stay, marked).
import { describe, expect, it } from 'vitest';
import { prune, recover, verifyTrail } from '../../../src/core/index.js';
import { addWorkspace } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const cli = { actor: 'alice', source: 'cli' } as const;
const count = async (sql: string) => (await world.db.one<{ n: number }>(sql))?.n ?? -1;

async function recovered() {
  const ws = await addWorkspace(world.db, { status: 'failed' });
  world.runtime.add(ws.container);
  return recover(world.deps(), ws.container, cli);
}

describe('the sealed trail', () => {
  it('seals every run that ends, refusals included, and verifies them', async () => {
    expect((await recovered()).outcome).toBe('recovered');
    expect((await recover(world.deps(), 'ws-nosuchthing', cli)).outcome).toBe('failed');
    const sealed = await count('SELECT count(*)::int AS n FROM medic.seals');
    expect(sealed).toBe(
      await count('SELECT count(*)::int AS n FROM medic.runs WHERE finished_at IS NOT NULL'),
    );
    expect(sealed).toBeGreaterThanOrEqual(1);
    expect(await verifyTrail(world.deps())).toMatchObject({ ok: true, sealed, problems: [] });
  });

  it('a prune of the runs keeps the chain verifiable across what it removed', async () => {
    for (let i = 0; i < 3; i++) await recovered();
    // Aged by the owner's hand: the seals see it, but a pruned run is not checked any more.
    await world.db.query("UPDATE medic.runs SET started_at = started_at - interval '100 days'");
    const counts = await prune(world.deps(), { olderThanMs: 30 * 86_400_000, runs: true });
    expect(counts.runs).toBe(3);
    expect(await count('SELECT count(*)::int AS n FROM medic.seals WHERE pruned_at IS NOT NULL')).toBe(3);
    await recovered();
    expect(await verifyTrail(world.deps())).toMatchObject({ ok: true, problems: [] });
  });
});
