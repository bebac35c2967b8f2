// The app's durable jobs, in a real (in-process) Postgres: a delivery is stored once, claimed
// once, and a job whose worker stopped heartbeating runs once more, then is abandoned.
import { describe, expect, it } from 'vitest';
import type { JobPayload } from '../../../src/app/jobs/job-payload.js';
import { claimJob, enqueueJob, finishJob, jobCounts, reclaimStale } from '../../../src/app/jobs/job-store.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const payload = (issue: number): JobPayload => ({
  kind: 'comment',
  owner: 'acme',
  repo: 'platform',
  installationId: 77,
  event: {
    issue: { number: issue, labels: [], state: 'open' },
    comment: {
      id: 7000 + issue,
      body: '/recover ws-92f6d88b-6a9',
      author: 'alice',
      authorType: 'User',
      createdAt: null,
    },
    repositoryFork: false,
  },
});
const age = (id: number) =>
  world.db.query("UPDATE medic.jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1", [id]);

describe('job store', () => {
  it('stores a delivery once, and a second store of the same delivery id is a no-op', async () => {
    expect(await enqueueJob(world.db, 'd-1', payload(1))).toBe(true);
    expect(await enqueueJob(world.db, 'd-1', payload(1))).toBe(false);
    expect(await jobCounts(world.db)).toEqual({ pending: 1 });
  });

  it('hands a job to one claimant, in order, with its payload read back through the schema', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    await enqueueJob(world.db, 'd-2', payload(2));
    const first = await claimJob(world.db, 'w1');
    const second = await claimJob(world.db, 'w2');
    expect([first?.deliveryId, second?.deliveryId]).toEqual(['d-1', 'd-2']);
    expect(first?.payload).toEqual(payload(1));
    expect(await claimJob(world.db, 'w3')).toBeNull();
    await finishJob(world.db, first!.id, 'done', null);
    expect(await jobCounts(world.db)).toEqual({ done: 1, running: 1 });
  });

  it('puts a stale job back once, then abandons it', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    const job = (await claimJob(world.db, 'w1'))!;
    await age(job.id);
    // Never by its own worker: alive, only slow.
    expect(await reclaimStale(world.db, 60, 'w1')).toEqual([]);
    expect(await jobCounts(world.db)).toEqual({ running: 1 });
    expect(await reclaimStale(world.db, 60, 'w2')).toEqual([]);
    const again = (await claimJob(world.db, 'w2'))!;
    expect(again.attempts).toBe(2);
    await age(job.id);
    const abandoned = await reclaimStale(world.db, 60, 'w3');
    expect(abandoned.map((j) => j.deliveryId)).toEqual(['d-1']);
    expect(await jobCounts(world.db)).toEqual({ abandoned: 1 });
  });
});
