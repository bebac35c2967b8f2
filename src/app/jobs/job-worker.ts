// Runs stored work in this process, `concurrency` at a time: woken when new work is stored,
// and on a timer (to pick up others' work and reclaim what a dead worker held). The app runs
// its webhook jobs with it; an agent runs its engine's tasks.
import { randomBytes } from 'node:crypto';
import type { Logger, Queryable } from '../../core/index.js';
import { claimJob, finishJob, heartbeat, type Job, reclaimStale } from './job-store.js';

/**
 * A worker's name in the queue: the process (`host:pid`) and a random instance, so that a
 * restarted process that gets the same host and pid (pid 1 in a container) is not taken for
 * its dead predecessor, whose work it must reclaim.
 */
export function workerName(holder: string): string {
  return `${holder}/${randomBytes(3).toString('hex')}`;
}

/** A Postgres queue of work items: claimed with SKIP LOCKED, heartbeated, finished, reclaimed. */
export interface WorkQueue<J extends { readonly id: number }> {
  claim(worker: string): Promise<J | null>;
  heartbeat(ids: readonly number[]): Promise<void>;
  finish(id: number, state: 'done' | 'failed', error: string | null): Promise<void>;
  /** Puts back what a dead worker (not `self`) held; returns what was given up. */
  reclaimStale(staleS: number, self: string): Promise<J[]>;
}

/** The app's webhook jobs (medic.jobs). */
export const jobQueue = (db: Queryable): WorkQueue<Job> => ({
  claim: (worker) => claimJob(db, worker),
  heartbeat: (ids) => heartbeat(db, ids),
  finish: (id, state, error) => finishJob(db, id, state, error),
  reclaimStale: (staleS, self) => reclaimStale(db, staleS, self),
});

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly staleS: number;
  readonly name: string;
}

export class JobWorker<J extends { readonly id: number } = Job> {
  private readonly running = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private pumping = false;
  private ticking = false;

  private readonly queue: WorkQueue<J>;
  private readonly run: (job: J) => Promise<void>;
  private readonly onAbandoned: (job: J) => Promise<void>;
  private readonly logger: Logger;

  constructor(
    work: {
      readonly queue: WorkQueue<J>;
      /** Runs one job; a throw marks it failed. */
      readonly run: (job: J) => Promise<void>;
      /** Tells whoever asked that a job was given up. */
      readonly onAbandoned: (job: J) => Promise<void>;
      readonly logger: Logger;
    },
    private readonly options: WorkerOptions,
  ) {
    this.queue = work.queue;
    this.run = work.run;
    this.onAbandoned = work.onAbandoned;
    this.logger = work.logger;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    void this.tick();
  }

  /** A job was stored: look for work now. */
  wake(): void {
    void this.pump();
  }

  /** Claims nothing more, and waits for what it holds (still heartbeated, so nobody takes it over). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    const beat = setInterval(
      () => void this.queue.heartbeat([...this.running.keys()]).catch(() => undefined),
      this.options.pollMs,
    );
    await Promise.allSettled(this.running.values());
    clearInterval(beat);
  }

  /** Resolves when no job is running or pending in this process (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.pumping)
      await Promise.allSettled([...this.running.values(), new Promise((r) => setTimeout(r, 10))]);
  }

  get busy(): number {
    return this.running.size;
  }

  private async tick(): Promise<void> {
    // One tick at a time: on a slow database, ticks would otherwise pile up behind each other.
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.queue.heartbeat([...this.running.keys()]);
      for (const job of await this.queue.reclaimStale(this.options.staleS, this.options.name))
        await this.onAbandoned(job).catch((error: unknown) =>
          this.logger.error(
            { job: job.id, err: (error as Error).message },
            'could not report an abandoned job',
          ),
        );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'job housekeeping failed; will retry');
    } finally {
      this.ticking = false;
    }
    await this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopping && this.running.size < this.options.concurrency) {
        const job = await this.queue.claim(this.options.name);
        if (!job) break;
        const done = this.execute(job).finally(() => {
          this.running.delete(job.id);
          void this.pump();
        });
        this.running.set(job.id, done);
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not claim a job; will retry');
    } finally {
      this.pumping = false;
    }
  }

  private async execute(job: J): Promise<void> {
    try {
      await this.run(job);
      await this.queue.finish(job.id, 'done', null);
    } catch (error) {
      this.logger.error({ job: job.id, err: (error as Error).message }, 'job failed');
      await this.queue
        .finish(job.id, 'failed', (error as Error).message.slice(0, 1000))
        .catch(() => undefined);
    }
  }
}
