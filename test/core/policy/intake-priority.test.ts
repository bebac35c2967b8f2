// Where the app's intake puts a comment, before any GitHub call: a stranger's (ungranted
// repository, or refused there lately) low; an author with a command here lately that was not
// refused high; anyone else normal.
import { describe, expect, it } from 'vitest';
import { intakePriority, recordRefusal } from '../../../src/core/index.js';
import { applyTestPolicy, testGrant } from '../../helpers/core-deps.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const platform = testGrant('acme/platform', 'write');

async function ranHere(actor: string, outcome: string, daysAgo = 0) {
  await world.db.query(
    `INSERT INTO medic.runs (run_id, command, source, actor, state, outcome, started_at, origin)
     VALUES (gen_random_uuid(), 'recover', 'app', $1, 'finished', $2, now() - make_interval(days => $3), $4::jsonb)`,
    [actor, outcome, daysAgo, JSON.stringify({ repo: 'acme/platform', issue: 1, comment: 2 })],
  );
}

describe('intakePriority', () => {
  it('puts strangers last, known engineers first, and the rest between', async () => {
    await applyTestPolicy(world.db);
    expect(await intakePriority(world.db, testGrant('acme/ungranted', 'admin'), 'alice')).toBe('low');
    expect(await intakePriority(world.db, platform, 'newcomer')).toBe('normal');
    await ranHere('oncall', 'recovered');
    expect(await intakePriority(world.db, platform, 'ONCALL')).toBe('high');
    await ranHere('old-timer', 'recovered', 30);
    expect(await intakePriority(world.db, platform, 'old-timer')).toBe('normal');
    await ranHere('mallory', 'refused');
    expect(await intakePriority(world.db, platform, 'mallory')).toBe('normal');
    await recordRefusal(world.db, {
      actor: 'mallory',
      repo: 'acme/platform',
      code: 'PERMISSION_DENIED',
      held: 'read',
    });
    expect(await intakePriority(world.db, platform, 'mallory')).toBe('low');
    // Given the role since, and ran a command after the refusal: an engineer again, first in line.
    await ranHere('mallory', 'recovered');
    expect(await intakePriority(world.db, platform, 'mallory')).toBe('high');
  });
});
