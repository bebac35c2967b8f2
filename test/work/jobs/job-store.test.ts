// The app's durable jobs, in a real (in-process) Postgres, through the fenced queue: a
// delivery is stored once, claimed once, a job whose worker stopped heartbeating runs once
// more, then is abandoned; and every write names the worker and the attempt, so a worker
// whose job was taken over can neither heartbeat, finish nor retry it.
import { describe, expect, it } from 'vitest';
import { enqueueJob, jobCounts, jobQueue } from '../../../src/work/jobs/job-store.js';
import { commentJob } from '../../helpers/job-payload.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const queue = () => jobQueue(world.db);
const claimJob = (_db: unknown, worker: string) => queue().claim(worker);
const payload = commentJob;
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
    expect(await queue().finish('w1', first!, 'done', null)).toBe(true);
    expect(await jobCounts(world.db)).toEqual({ done: 1, running: 1 });
  });

  it('puts a stale job back once, then abandons it', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    const job = (await claimJob(world.db, 'w1'))!;
    await age(job.id);
    // Never by the worker that still runs it: alive, only slow.
    expect(await queue().reclaimStale(60, [job])).toEqual([]);
    expect(await jobCounts(world.db)).toEqual({ running: 1 });
    expect(await queue().reclaimStale(60, [])).toEqual([]);
    const again = (await claimJob(world.db, 'w2'))!;
    expect(again.attempt).toBe(2);
    await age(job.id);
    const abandoned = await queue().reclaimStale(60, []);
    expect(abandoned.map((j) => j.deliveryId)).toEqual(['d-1']);
    expect(await jobCounts(world.db)).toEqual({ abandoned: 1 });
  });

  it('refuses every write of a worker whose job was taken over: heartbeat, finish, retry', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    const stale = (await claimJob(world.db, 'w1'))!;
    await age(stale.id);
    await queue().reclaimStale(60, []);
    const fresh = (await claimJob(world.db, 'w2'))!;
    expect(fresh).toMatchObject({ id: stale.id, attempt: 2 });
    // w1 wakes up: nothing it writes about attempt 1 lands.
    expect(await queue().heartbeat('w1', [stale])).toEqual([stale.id]);
    expect(await queue().holds('w1', stale)).toBe(false);
    expect(await queue().finish('w1', stale, 'done', null)).toBe(false);
    expect(await queue().retry('w1', stale, 5, 'busy')).toBe(false);
    // Not even with the new attempt's number under its own name, nor the old one under the new name.
    expect(await queue().finish('w1', fresh, 'failed', 'x')).toBe(false);
    expect(await queue().finish('w2', stale, 'failed', 'x')).toBe(false);
    expect(await jobCounts(world.db)).toEqual({ running: 1 });
    expect(await queue().heartbeat('w2', [fresh])).toEqual([]);
    expect(await queue().finish('w2', fresh, 'done', null)).toBe(true);
    expect(await jobCounts(world.db)).toEqual({ done: 1 });
  });

  it('[defaults] counts a retry and a reclaim apart: a job retried once still survives its worker dying', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    const first = (await claimJob(world.db, 'w1'))!;
    // A database blip: put back, an attempt used.
    expect(await queue().retry('w1', first, 0, 'DATABASE_UNAVAILABLE')).toBe(true);
    await world.db.query("UPDATE medic.jobs SET not_before = now() - interval '1 second'");
    const second = (await claimJob(world.db, 'w2'))!;
    expect(second.attempt).toBe(2);
    // Its worker dies (SIGKILL): reclaimed, not abandoned.
    await age(second.id);
    expect(await queue().reclaimStale(60, [])).toEqual([]);
    expect(await jobCounts(world.db)).toEqual({ pending: 1 });
    const third = (await claimJob(world.db, 'w3'))!;
    expect(third.attempt).toBe(3);
    const { rows } = await world.db.query('SELECT attempts, reclaims FROM medic.jobs WHERE id = $1', [
      third.id,
    ]);
    expect(rows).toEqual([{ attempts: 3, reclaims: 1 }]);
  });

  it('puts a job back with a backoff: not claimed before its time', async () => {
    await enqueueJob(world.db, 'd-1', payload(1));
    const job = (await claimJob(world.db, 'w1'))!;
    expect(await queue().retry('w1', job, 3600, 'busy')).toBe(true);
    expect(await claimJob(world.db, 'w2')).toBeNull();
    await world.db.query("UPDATE medic.jobs SET not_before = now() - interval '1 second'");
    expect((await claimJob(world.db, 'w2'))?.attempt).toBe(2);
  });
});
