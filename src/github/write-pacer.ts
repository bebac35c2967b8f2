// The writes medic makes to GitHub, paced by GitHub's documented rules for content creation
// (about one request a second, at most 80 a minute, per installation) and spent on what the
// user waits for: results first, then the incident's close, then acknowledgements, progress
// edits, refusals, and reactions last. When the queue is deep (other writes waiting as a
// reaction's turn comes) the reaction is dropped rather than let it take a slot a result may
// need: it is decoration. So is an acknowledgement that cannot go out at once: under load the
// command's status comment or result is its acknowledgement. One pacer per installation; reads are not paced.
import type { Clock } from '../core/index.js';

export type WriteKind = 'result' | 'close' | 'ack' | 'progress' | 'refusal' | 'reaction';

// A refusal (to a stranger, or a user below the floor) waits behind everything a granted
// command writes, so a flood of them never delays a real result.
const PRIORITY: Record<WriteKind, number> = {
  result: 0,
  close: 1,
  ack: 2,
  progress: 3,
  refusal: 4,
  reaction: 5,
};
/** Writes waiting behind a reaction that make it not worth a slot. */
const DEEP = 2;
/**
 * Of GitHub's writes a minute, how many refusals and reactions never take: kept for results,
 * closes, acknowledgements and progress, so a flood of strangers cannot spend the minute's
 * budget a granted command's answer needs.
 */
const RESERVED_PER_MINUTE = 20;
const LOW: ReadonlySet<WriteKind> = new Set(['refusal', 'reaction']);

export interface PacerOptions {
  /** Least time between two writes (GitHub: "at least one second"); 0 in tests. */
  readonly gapMs: number;
  /** Most writes in any 60 s (GitHub: 80 content-creating requests a minute). */
  readonly perMinute: number;
  readonly clock: Clock;
}

export interface PacedWrite<T> {
  /** The write's value; undefined when it was dropped or cancelled before it went out. */
  readonly done: Promise<T | undefined>;
  /** Takes it back if it has not gone out yet; true when it was taken back. */
  cancel(): boolean;
}

interface Job {
  readonly kind: WriteKind;
  /** An acknowledgement that could not go out when it was asked for (see schedule). */
  readonly late: boolean;
  readonly seq: number;
  readonly run: () => Promise<unknown>;
  readonly settle: (value: unknown, error?: unknown) => void;
}

export class WritePacer {
  private readonly queue: Job[] = [];
  private readonly sent: number[] = [];
  private lastAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private pumping = false;
  /** Granted commands under way: while there are any, refusals and reactions do not go out. */
  private holds = 0;

  constructor(private readonly options: PacerOptions) {}

  /**
   * Keeps refusals and reactions from going out (and so from taking the gap a result would
   * wait out) while a granted command runs; returns its release (idempotent).
   */
  holdLow(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      void this.pump();
    };
  }

  /** Queues a write of the given kind; it goes out in priority order, then in the order queued. */
  schedule<T>(kind: WriteKind, run: () => Promise<T>): PacedWrite<T> {
    let settle!: Job['settle'];
    const done = new Promise<T | undefined>((resolve, reject) => {
      settle = (value, error) => (error === undefined ? resolve(value as T | undefined) : reject(error));
    });
    // An acknowledgement is worth its slot only when it goes out at once: one that would wait
    // (another write went out less than a gap ago, or writes are queued) is dropped at its
    // turn, so the command's own answer takes that slot instead of following a second later.
    const late = kind === 'ack' && (this.queue.length > 0 || this.waitMs() > 0);
    const job: Job = { kind, late, seq: this.seq++, run, settle };
    this.queue.push(job);
    this.queue.sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.seq - b.seq);
    void this.pump();
    return {
      done,
      cancel: () => {
        const i = this.queue.indexOf(job);
        if (i < 0) return false;
        this.queue.splice(i, 1);
        job.settle(undefined);
        return true;
      },
    };
  }

  /** Writes waiting to go out. */
  get depth(): number {
    return this.queue.length;
  }

  /** Resolves when every queued write has gone out (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.pumping || this.queue.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        // Only low writes are left (the queue is in priority order), and a command is under way.
        if (this.holds > 0 && LOW.has(this.queue[0]!.kind)) break;
        const wait = this.waitMs(this.queue[0]!.kind);
        if (wait > 0) {
          // In steps of at most a gap: a more urgent write queued meanwhile need not wait out
          // a refusal's turn under its smaller share of the minute.
          await this.options.clock.sleep(Math.min(wait, Math.max(this.options.gapMs, 50)));
          continue; // the queue may have changed while waiting: take the most urgent again
        }
        const job = this.queue.shift()!;
        if ((job.kind === 'reaction' && this.queue.length >= DEEP) || job.late) {
          job.settle(undefined);
          continue;
        }
        const now = this.options.clock.now().getTime();
        this.lastAt = now;
        this.sent.push(now);
        await job.run().then(
          (value) => job.settle(value),
          (error: unknown) => job.settle(undefined, error ?? new Error('write failed')),
        );
      }
    } finally {
      this.pumping = false;
    }
  }

  private waitMs(kind: WriteKind = 'result'): number {
    const now = this.options.clock.now().getTime();
    while (this.sent.length > 0 && this.sent[0]! <= now - 60_000) this.sent.shift();
    const byGap = this.lastAt + this.options.gapMs - now;
    const cap = LOW.has(kind)
      ? Math.max(1, this.options.perMinute - RESERVED_PER_MINUTE)
      : this.options.perMinute;
    // Wait until enough of the minute's writes have aged out for this one to fit under its cap.
    const over = this.sent.length - cap;
    const byMinute = over >= 0 ? this.sent[over]! + 60_000 - now : 0;
    return Math.max(byGap, byMinute, 0);
  }
}

/** One pacer per installation (or repository, for the action), created on first use. */
export class PacerRegistry {
  private readonly pacers = new Map<string, WritePacer>();

  constructor(private readonly options: PacerOptions) {}

  /** Resolves when every pacer's queue is empty, or after `timeoutMs`. */
  async idle(timeoutMs?: number): Promise<void> {
    const drained = Promise.all([...this.pacers.values()].map((p) => p.idle()));
    // (A timer of Infinity would fire at once: Node clamps it to 1 ms.)
    if (timeoutMs === undefined) await drained;
    else await Promise.race([drained, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  for(key: string): WritePacer {
    let pacer = this.pacers.get(key);
    if (!pacer) {
      pacer = new WritePacer(this.options);
      this.pacers.set(key, pacer);
    }
    return pacer;
  }
}
