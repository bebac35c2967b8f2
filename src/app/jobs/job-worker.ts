// Runs stored jobs in this process, `concurrency` at a time: woken when a webhook stores
// one, and on a timer (to pick up others' jobs and reclaim ones whose worker died).
import type { Logger, Queryable } from '../../core/index.js';
import { claimJob, finishJob, heartbeat, type Job, reclaimStale } from './job-store.js';

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly staleS: number;
  readonly name: string;
}

export class JobWorker {
  private readonly running = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private pumping = false;

  private readonly db: Queryable;
  private readonly run: (job: Job) => Promise<void>;
  private readonly onAbandoned: (job: Job) => Promise<void>;
  private readonly logger: Logger;

  constructor(
    work: {
      readonly db: Queryable;
      /** Runs one job; a throw marks it failed. */
      readonly run: (job: Job) => Promise<void>;
      /** Tells whoever asked that a job was given up. */
      readonly onAbandoned: (job: Job) => Promise<void>;
      readonly logger: Logger;
    },
    private readonly options: WorkerOptions,
  ) {
    this.db = work.db;
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

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.running.values());
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
    try {
      await heartbeat(this.db, [...this.running.keys()]);
      for (const job of await reclaimStale(this.db, this.options.staleS))
        await this.onAbandoned(job).catch((error: unknown) =>
          this.logger.error(
            { job: job.id, err: (error as Error).message },
            'could not report an abandoned job',
          ),
        );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'job housekeeping failed; will retry');
    }
    await this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopping && this.running.size < this.options.concurrency) {
        const job = await claimJob(this.db, this.options.name);
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

  private async execute(job: Job): Promise<void> {
    try {
      await this.run(job);
      await finishJob(this.db, job.id, 'done', null);
    } catch (error) {
      this.logger.error(
        { job: job.id, delivery: job.deliveryId, err: (error as Error).message },
        'job failed',
      );
      await finishJob(this.db, job.id, 'failed', (error as Error).message.slice(0, 1000)).catch(
        () => undefined,
      );
    }
  }
}
