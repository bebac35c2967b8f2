// medic doctor's line on the chores: quiet until one has run, the daily prune's last run when
// it is recent, a warning when it stopped running or when a chore's last attempt failed.
import { describe, expect, it } from 'vitest';
import { choresCheck } from '../../src/cli/chores-check.js';
import { runDueChores } from '../../src/core/commands/chores.js';
import { pruneChore } from '../../src/core/commands/prune.js';
import { useUnitWorld } from '../helpers/unit-world.js';

const world = useUnitWorld();
const DAY = 86_400_000;

describe('medic doctor: chores', () => {
  it('passes before any chore has run, and names the last prune once one did', async () => {
    expect(await choresCheck(world.db, new Date())).toMatchObject({
      ok: true,
      detail: expect.stringContaining('none has run yet'),
    });
    const deps = world.deps();
    await runDueChores({ ...deps, holder: 'app-1:11' }, [pruneChore(deps)]);
    const check = await choresCheck(world.db, new Date());
    expect(check.ok).toBe(true);
    expect(check.detail).toMatch(/^the daily prune last ran \S+ by app-1:11; none failing \(medic chores\)$/);
  });

  it('warns when the daily prune has not run for two days', async () => {
    const deps = world.deps();
    await runDueChores({ ...deps, holder: 'agent-h1:21' }, [pruneChore(deps)]);
    const check = await choresCheck(world.db, new Date(Date.now() + 3 * DAY));
    expect(check.ok).toBe('warn');
    expect(check.detail).toMatch(
      /^the daily prune last ran \S+ \(by agent-h1:21\): is any app, medic watch or agent running/,
    );
  });

  it('warns, naming the chore and its error, when its last attempt failed', async () => {
    const deps = world.deps();
    const broken = {
      name: 'expire-approvals',
      everyMs: DAY,
      run: () => Promise.reject(new Error('relation gone')),
    };
    await runDueChores(deps, [broken]);
    const check = await choresCheck(world.db, new Date());
    expect(check.ok).toBe('warn');
    expect(check.detail).toMatch(
      /^expire-approvals failed \(1 attempt in \S+\): relation gone; retried with the backoff$/,
    );
  });

  it('finds the last prune behind the many rows a frequent chore wrote since', async () => {
    const deps = world.deps();
    await runDueChores({ ...deps, holder: 'app-2:12' }, [pruneChore(deps)]);
    await world.db.query(
      `INSERT INTO medic.chores (name, period, state, attempts, worker, finished_at, outcome)
       SELECT 'expire-approvals', to_char(now() + make_interval(secs => i * 15), 'YYYY-MM-DD"T"HH24:MI:SS".000Z"'),
              'done', 1, 'app-1:11', now(), 'expired 1 requests for approval'
         FROM generate_series(1, 250) AS i`,
    );
    const check = await choresCheck(world.db, new Date());
    expect(check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^the daily prune last ran \S+ by app-2:12;/),
    });
  });
});
