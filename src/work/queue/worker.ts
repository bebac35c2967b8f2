// Runs queued work in this process, `concurrency` at a time: woken when new work is stored,
// and on a timer (to pick up others' work and reclaim what a dead worker held). The app runs
// its webhook jobs with it; an agent runs its engine's tasks. What it holds it heartbeats
// with its attempt; work it learns it lost is fenced off: its `fence` throws TASK_LOST, and
// nothing more is written about it.

import { randomBytes } from 'node:crypto';
import { type Logger, persistently, settledWithin, systemClock, TaskLostError } from '../../core/index.js';
import type { Width } from './width.js';
import { type Claimed, RetryLater, type WorkQueue } from './work-queue.js';

/** How long a worker keeps trying to write how an item ended while the database is away. */
const END_WRITE_S = 60;

/**
 * A worker's name in the queue: the process (`host:pid`) and a random instance, so that a
 * restarted process that gets the same host and pid (pid 1 in a container) is not taken for
 * its dead predecessor, whose work it must reclaim.
 */
export function workerName(holder: string): string {
  return `${holder}/${randomBytes(3).toString('hex')}`;
}

export interface WorkerOptions {
  readonly concurrency: number;
  /** Shared with the process's other runs (an agent's healer): taken per job, given back at its end. */
  readonly width?: Width;
  readonly pollMs: number;
  readonly staleS: number;
  readonly name: string;
}

export class JobWorker<J extends Claimed> {
  private readonly running = new Map<number, Promise<void>>();
  /** What this worker holds, by id: the attempt it claimed, and whether it learnt it lost it. */
  private readonly held = new Map<number, { item: Claimed; lost: boolean }>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private unwatchWidth: (() => void) | null = null;
  private pumping = false;
  private ticking = false;

  private readonly queue: WorkQueue<J>;
  private readonly run: (job: J, fence: () => Promise<void>, interrupt: AbortSignal) => Promise<void>;
  /** Aborted when a bounded stop runs out: a run that can stops at its next safe point. */
  private readonly outOfTime = new AbortController();
  private readonly onAbandoned: (job: J) => Promise<void>;
  private readonly logger: Logger;

  constructor(
    work: {
      readonly queue: WorkQueue<J>;
      /**
       * Runs one job; a throw marks it failed (RetryLater: claimed again later). `fence`
       * throws TASK_LOST once the job is no longer this worker's: ask it before each change.
       * `interrupt` is aborted when the worker's bounded stop runs out (a run may stop at its
       * next safe point and throw RetryLater to be handed on).
       */
      readonly run: (job: J, fence: () => Promise<void>, interrupt: AbortSignal) => Promise<void>;
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
    if (this.options.width) this.onStop(async () => this.unwatchWidth?.());
    this.unwatchWidth = this.options.width?.onFree(() => void this.pump()) ?? null;
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    void this.tick();
  }

  /** A job was stored: look for work now. */
  wake(): void {
    void this.pump();
  }

  /** Something to end with the worker (its NOTIFY listener). */
  onStop(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Claims nothing more, and waits for what it holds (still heartbeated, so nobody takes it over). */
  async stop(o: { readonly withinMs?: number } = {}): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.cleanups.splice(0).map((fn) => fn()));
    if (this.timer) clearInterval(this.timer);
    const beat = setInterval(() => void this.beat().catch(() => undefined), this.options.pollMs);
    const all = () => Promise.allSettled(this.running.values());
    if (!(await settledWithin(all(), o.withinMs))) {
      // Out of time: each run is asked to stop at its next safe point (one past its stop still
      // starts the workspace); what has not ended within as long again is handed back.
      this.outOfTime.abort();
      await settledWithin(all(), o.withinMs);
    }
    clearInterval(beat);
    await this.handBack();
  }

  /**
   * What is still running when a bounded drain ends goes back to the queue at once, for another
   * worker: each is fenced off here first (its run stops before its next change), then put back
   * under this worker's attempt, so nobody waits for its heartbeat to go stale.
   */
  private async handBack(): Promise<void> {
    for (const [id, h] of this.held) {
      if (!this.running.has(id) || h.lost) continue;
      this.markLost(id);
      const back = await this.queue
        .retry(this.options.name, h.item, 0, 'handed back: its worker was stopping')
        .catch(() => false);
      this.logger.warn(
        { job: id, attempt: h.item.attempt, handedBack: back },
        back
          ? 'still running at the end of the drain: handed back to the queue'
          : 'could not hand it back; it is reclaimed once stale',
      );
    }
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
      await this.beat();
      for (const job of await this.queue.reclaimStale(
        this.options.staleS,
        [...this.held.values()].map((h) => h.item),
      ))
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
      const { width } = this.options;
      while (!this.stopping && this.running.size < this.options.concurrency) {
        if (width && !width.take()) break;
        const job = await this.queue.claim(this.options.name).catch((error: unknown) => {
          width?.give();
          throw error;
        });
        if (!job) {
          width?.give();
          break;
        }
        const done = this.execute(job).finally(() => {
          this.running.delete(job.id);
          width?.give();
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

  /** Heartbeats what this worker holds; what it no longer holds is marked lost (its fence then throws). */
  private async beat(): Promise<void> {
    const lost = await this.queue.heartbeat(
      this.options.name,
      [...this.held.values()].map((h) => h.item),
    );
    for (const id of lost) this.markLost(id);
  }

  private markLost(id: number): void {
    const h = this.held.get(id);
    if (!h || h.lost) return;
    h.lost = true;
    this.logger.warn(
      { job: id, attempt: h.item.attempt, worker: this.options.name },
      'lost this work to another worker (this one stalled past its heartbeat); stopping before its next change',
    );
  }

  private fence(item: Claimed): () => Promise<void> {
    return async () => {
      const h = this.held.get(item.id);
      if (h && !h.lost && (await this.queue.holds(this.options.name, item))) return;
      this.markLost(item.id);
      throw new TaskLostError(
        `work item ${item.id} (attempt ${item.attempt}) was taken over by another worker while this one stalled`,
        { hint: 'the other worker carries it on; nothing more is changed here' },
      );
    };
  }

  private async execute(job: J): Promise<void> {
    const { name } = this.options;
    const item: Claimed = { id: job.id, attempt: job.attempt };
    this.held.set(job.id, { item, lost: false });
    // How it ended is written through a database that may be away for a moment (a restart):
    // tried again meanwhile. Given up, the item is reclaimed as a dead worker's would be.
    const end = (write: () => Promise<boolean>) =>
      persistently(write, { clock: systemClock, forS: END_WRITE_S }).catch((error: unknown) => {
        this.logger.error({ job: job.id, err: (error as Error).message }, 'could not record how a job ended');
        return false;
      });
    try {
      await this.run(job, this.fence(item), this.outOfTime.signal);
      if (!(await end(() => this.queue.finish(name, item, 'done', null)))) this.markLost(job.id);
    } catch (error) {
      if (error instanceof RetryLater) {
        if (!(await end(() => this.queue.retry(name, item, error.delayS, error.message))))
          this.markLost(job.id);
        return;
      }
      if (this.held.get(job.id)?.lost) return; // nothing more is written about work that is not ours
      this.logger.error({ job: job.id, err: (error as Error).message }, 'job failed');
      await end(() => this.queue.finish(name, item, 'failed', (error as Error).message.slice(0, 1000)));
    } finally {
      this.held.delete(job.id);
    }
  }
}
