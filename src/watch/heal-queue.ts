// The watcher's fleet-wide queue: each workspace at most once in it, at most `concurrency`
// being healed at a time (and, in an agent, within the width it shares with its tasks). What
// it runs for an item is the caller's `heal`, given the signal that asks its run to stop at
// its next safe point when a bounded drain runs out.
import { settledWithin } from '../core/index.js';
import type { Width } from '../work/queue/width.js';
export class HealQueue {
  private readonly waiting = new Set<string>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private accepting = true;

  constructor(
    private readonly concurrency: number,
    private readonly heal: (target: string, interrupt: AbortSignal) => Promise<void>,
    /** Shared with the process's other runs (an agent's tasks). */
    private readonly width?: Width,
  ) {
    width?.onFree(() => this.drain());
  }

  /** Queues a workspace (by container name or uuid); a duplicate of a queued or active one is dropped. */
  push(target: string): void {
    if (!this.accepting || this.waiting.has(target) || this.active.has(target)) return;
    this.waiting.add(target);
    this.drain();
  }

  get depth(): number {
    return this.waiting.size;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /**
   * Stops taking work (queued items are dropped) and waits for the runs in flight; with
   * `withinMs`, only that long: then each is interrupted, stops at its next safe point (one
   * that stopped its container still seeds and starts it), and is waited for. Answers how many
   * were interrupted.
   */
  async close(o: { readonly withinMs?: number } = {}): Promise<number> {
    this.accepting = false;
    this.waiting.clear();
    const all = () => Promise.allSettled(this.active.values());
    if (await settledWithin(all(), o.withinMs)) return 0;
    const interrupted = this.active.size;
    this.stopping.abort();
    await all();
    return interrupted;
  }

  /** Resolves when nothing is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.waiting.size > 0 || this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  private drain(): void {
    for (const target of this.waiting) {
      if (this.active.size >= this.concurrency) return;
      if (this.width && !this.width.take()) return;
      this.waiting.delete(target);
      const run = this.heal(target, this.stopping.signal).finally(() => {
        this.active.delete(target);
        this.width?.give();
        this.drain();
      });
      this.active.set(target, run);
    }
  }
}
