// [defaults] A job stored by one replica wakes every replica's worker through NOTIFY (as
// docs/configuration.md promises), on a real Postgres: a worker whose next poll is an hour
// away runs a job another replica stored, at once. The poll stays as the net.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { listenOrPoll } from '../../../src/db/wakeups.js';
import { enqueueJob, JOBS_QUEUED, type Job, jobQueue } from '../../../src/work/jobs/job-store.js';
import { JobWorker } from '../../../src/work/queue/index.js';
import { commentJob } from '../../helpers/job-payload.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

const payload = commentJob(1);

describe('job wake-ups across replicas', () => {
  it("runs a job another replica stored at once, though this worker's next poll is an hour away", async () => {
    const ran: number[] = [];
    const worker = new JobWorker<Job>(
      {
        queue: jobQueue(world.db),
        run: async (job) => {
          ran.push(job.id);
        },
        onAbandoned: async () => {},
        logger: silentLogger,
      },
      { concurrency: 1, pollMs: 3_600_000, staleS: 60, name: 'replica-b' },
    );
    worker.start(); // its first look finds nothing
    await worker.idle();
    // As app.ts wires it.
    worker.onStop(await listenOrPoll(world.db, JOBS_QUEUED, () => worker.wake(), silentLogger));
    try {
      // Replica A stores the job (and wakes only its own worker, which is busy elsewhere).
      expect(await enqueueJob(world.db, 'delivery-a', payload)).toBe(true);
      await expect.poll(() => ran.length, { timeout: 5_000, interval: 20 }).toBe(1);
    } finally {
      await worker.stop();
    }
  });
});
