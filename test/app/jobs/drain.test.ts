// [defaults] A stop that ends: after SIGTERM the worker lets its jobs finish for a bounded
// time (MEDIC_DRAIN_S), then hands what is left back to the queue (claimable at once by
// another worker, with no wait for a stale heartbeat) and fences it off here.
import { describe, expect, it } from 'vitest';
import { enqueueJob, type Job, jobCounts, jobQueue } from '../../../src/app/jobs/job-store.js';
import { silentLogger } from '../../../src/core/index.js';
import { JobWorker } from '../../../src/queue/index.js';
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
});
