// [defaults] A stop that ends: after SIGTERM the worker lets its jobs finish for a bounded
// time (MEDIC_DRAIN_S), then hands what is left back to the queue (claimable at once by
// another worker, with no wait for a stale heartbeat) and fences it off here.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { enqueueJob, type Job, jobCounts, jobQueue } from '../../../src/work/jobs/job-store.js';
import { JobWorker, RetryLater } from '../../../src/work/queue/index.js';
import { commentJob } from '../../helpers/job-payload.js';
import { useUnitWorld } from '../../helpers/unit-world.js';

const world = useUnitWorld();
const payload = commentJob(1);

describe('a bounded drain', () => {
  it('hands back a job that outlasts it, fenced off here, claimable at once elsewhere', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    let fenced: unknown = null;
    const worker = new JobWorker<Job>(
      {
        queue: jobQueue(world.db),
        // Follows work nobody will finish (its agents were stopped), asking its fence now and then.
        run: async (_job, fence) => {
          started();
          for (;;) {
            await new Promise((r) => setTimeout(r, 20));
            try {
              await fence();
            } catch (error) {
              fenced = error;
              return;
            }
          }
        },
        onAbandoned: async () => {},
        logger: silentLogger,
      },
      { concurrency: 1, pollMs: 3_600_000, staleS: 3600, name: 'replica-a' },
    );
    await enqueueJob(world.db, 'd-1', payload);
    worker.start();
    await running;
    const before = Date.now();
    await worker.stop({ withinMs: 300 });
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(await jobCounts(world.db)).toEqual({ pending: 1 });
    await expect.poll(() => (fenced as { code?: string } | null)?.code).toBe('TASK_LOST');
    const other = await jobQueue(world.db).claim('replica-b');
    expect(other).toMatchObject({ deliveryId: 'd-1', attempt: 2 });
  });

  it('first asks its runs to stop at a safe point: a run that stops and asks to be retried is put back, not fenced', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    let fenced = false;
    const worker = new JobWorker<Job>(
      {
        queue: jobQueue(world.db),
        // A run that honours the interrupt (as a task's recovery does before its first change).
        run: async (_job, fence, interrupt) => {
          started();
          await new Promise<void>((r) => interrupt.addEventListener('abort', () => r()));
          await fence().catch(() => {
            fenced = true;
          });
          throw new RetryLater(0, 'handed on: its worker was stopping');
        },
        onAbandoned: async () => {},
        logger: silentLogger,
      },
      { concurrency: 1, pollMs: 3_600_000, staleS: 3600, name: 'replica-a' },
    );
    await enqueueJob(world.db, 'd-2', payload);
    worker.start();
    await running;
    await worker.stop({ withinMs: 100 });
    expect(fenced).toBe(false); // it was still this worker's when it stopped
    expect(await jobCounts(world.db)).toEqual({ pending: 1 });
    expect(await jobQueue(world.db).claim('replica-b')).toMatchObject({ deliveryId: 'd-2', attempt: 2 });
  });
});
