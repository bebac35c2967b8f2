// Times each step of a run, appends it to the audit trail as it ends, renews the run's lease,
// and tells the door (progress). A failing step is recorded as failed and its error rethrown.

import { asMedicError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import type { Step } from '../model/result.js';
import { appendStep } from '../store/audit-store.js';
import { renewLease } from './lease.js';

export type StepListener = (step: Step, index: number) => void;

export class RunRecorder {
  readonly steps: Step[] = [];
  /** When the lease was last taken or renewed (ms); null while none is held. */
  private renewedAt: number | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly runId: string,
    private readonly leaseTtlS: number,
    private readonly onStep: StepListener | undefined,
  ) {}

  holdLease(): void {
    this.renewedAt = Date.now();
  }

  /**
   * Runs one step; `fn` returns the step's detail text, and `skipped` when what it found made
   * the step unnecessary (recorded as skipped, with the time the finding took).
   */
  async step<T>(
    name: string,
    fn: () => Promise<{ detail: string; value: T; skipped?: boolean }>,
  ): Promise<T> {
    // Renewed once a third of the TTL has passed: a run never outlives its lease, and a quick
    // run (a few hundred ms) does not pay an UPDATE per step.
    if (this.renewedAt !== null && Date.now() - this.renewedAt > (this.leaseTtlS * 1000) / 3) {
      await renewLease(this.db, this.runId, this.leaseTtlS);
      this.renewedAt = Date.now();
    }
    const started = performance.now();
    try {
      const { detail, value, skipped } = await fn();
      await this.record({ name, status: skipped ? 'skipped' : 'ok', ms: elapsed(started), detail });
      return value;
    } catch (error) {
      const e = asMedicError(error);
      // If the trail cannot be written either (the database went away), the step's own error
      // is still the one that explains the run, so that is what propagates.
      await this.record({
        name,
        status: 'failed',
        ms: elapsed(started),
        detail: `${e.code}: ${e.message}`,
      }).catch(() => undefined);
      throw e;
    }
  }

  async skip(name: string, detail: string): Promise<void> {
    await this.record({ name, status: 'skipped', ms: 0, detail });
  }

  private async record(step: Step): Promise<void> {
    this.steps.push(step);
    await appendStep(this.db, this.runId, this.steps.length, step);
    this.onStep?.(step, this.steps.length - 1);
  }
}

function elapsed(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}
