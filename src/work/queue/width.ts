// One width for a process's runs: an agent's task worker and its healer draw from the same
// slots, so together they run at most `max` recoveries (each holds one database session), not
// `max` each.
export class Width {
  private used = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly max: number) {}

  /** Takes a slot when one is free. */
  take(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  /** Gives a slot back, and tells whoever waits for one. */
  give(): void {
    this.used = Math.max(0, this.used - 1);
    for (const wake of [...this.waiting]) wake();
  }

  /** Calls `wake` whenever a slot is given back, until the returned function is called. */
  onFree(wake: () => void): () => void {
    this.waiting.add(wake);
    return () => this.waiting.delete(wake);
  }

  get inUse(): number {
    return this.used;
  }
}
