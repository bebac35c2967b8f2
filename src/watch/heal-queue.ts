// The watcher's fleet-wide queue: each workspace at most once in it, at most `concurrency`
// being healed at a time (and, in an agent, within the width it shares with its tasks). What
// it runs for an item is the caller's `heal`.
import type { Width } from '../queue/width.js';
export class HealQueue {
  private readonly waiting = new Set<string>();
  private readonly active = new Map<string, Promise<void>>();
  private accepting = true;

  constructor(
    private readonly concurrency: number,
    private readonly heal: (target: string) => Promise<void>,
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

  /** Stops taking work and waits for the runs in flight; queued items are dropped. */
  async close(): Promise<void> {
    this.accepting = false;
    this.waiting.clear();
    await Promise.allSettled(this.active.values());
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
      const run = this.heal(target).finally(() => {
        this.active.delete(target);
        this.width?.give();
        this.drain();
      });
      this.active.set(target, run);
    }
  }
}
