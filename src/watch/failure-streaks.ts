// The watcher's memory of workspaces that keep failing: how often in a row, and when to try
// next. The wait is the one backoff (core's backoffMs): its ceiling doubles from the sweep
// interval up to an hour, with full jitter; a failure that retrying cannot fix
// (result.retryable false: an image gone, a full disk, a missing template) waits the hour at
// once. A person's `medic recover` needs no wait, and a success ends the streak.
import { backoffMs, type RecoveryResult } from '../core/index.js';

export const MAX_BACKOFF_MS = 3_600_000;

interface Streak {
  readonly failures: number;
  readonly retryAt: number;
  /** The last failure's class (result.class). */
  readonly class: string | null;
}

export class FailureStreaks {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly intervalS: number,
    /** The backoff's jitter (a test passes `() => 1` for the ceilings). */
    private readonly random: () => number = Math.random,
  ) {}

  /** Why not to try `workspaceId` now (still backing off), or null to go ahead. */
  waiting(workspaceId: string, now: number): string | null {
    const s = this.streaks.get(workspaceId);
    if (!s || s.retryAt <= now) return null;
    return `failed ${s.failures} times in a row${s.class ? ` (${s.class})` : ''}; next try at ${new Date(s.retryAt).toISOString()}`;
  }

  /** Records a failed run; true when it begins a streak (the one to report). */
  failed(workspaceId: string, result: RecoveryResult, now: number): boolean {
    const failures = (this.streaks.get(workspaceId)?.failures ?? 0) + 1;
    const backoff =
      result.retryable === false
        ? MAX_BACKOFF_MS
        : backoffMs(failures, { baseMs: this.intervalS * 1000, capMs: MAX_BACKOFF_MS }, this.random);
    this.streaks.set(workspaceId, { failures, retryAt: now + backoff, class: result.class });
    return failures === 1;
  }

  ended(workspaceId: string): void {
    this.streaks.delete(workspaceId);
  }

  retryAt(workspaceId: string): number | null {
    return this.streaks.get(workspaceId)?.retryAt ?? null;
  }

  /**
   * Whether an automatic run's result is reported: busy, interrupted (the next sweep finishes
   * it) and refused (a hold, the breaker: said, no incident) are not; a failure once per
   * streak (the first opens the incident, the rest would be noise); a recovery always, and it
   * ends the streak.
   */
  reports(result: RecoveryResult, now: number): boolean {
    const id = result.workspace?.id;
    if (!id || result.outcome === 'busy' || result.outcome === 'interrupted' || result.outcome === 'refused')
      return false;
    if (result.outcome === 'failed') return this.failed(id, result, now);
    this.ended(id);
    return true;
  }
}
