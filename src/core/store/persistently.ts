// A write a worker must not lose to a database that is away for a moment (a Postgres restart,
// a failover, a network cut): tried again, backing off, while it fails with
// DATABASE_UNAVAILABLE (the one backoff, model/backoff.ts), for up to `forS` seconds; any other error, at once. Fenced writes are
// safe to repeat: one that lands after another worker moved on is refused, not applied.
import { backoffMs } from '../model/backoff.js';
import { asMedicError } from '../model/errors.js';
import type { Clock } from '../model/ports.js';

export async function persistently<T>(
  write: () => Promise<T>,
  o: {
    readonly clock: Pick<Clock, 'sleep'>;
    readonly forS: number;
    /** Told of each failed try before the wait (a log line, so that a wait is never silent). */
    readonly onRetry?: (error: Error, delayMs: number) => void;
  },
): Promise<T> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const delay = backoffMs(attempt, { baseMs: 250, capMs: 5_000 });
    try {
      return await write();
    } catch (error) {
      const e = asMedicError(error);
      if (e.code !== 'DATABASE_UNAVAILABLE' || waited + delay > o.forS * 1000) throw e;
      o.onRetry?.(e, delay);
      await o.clock.sleep(delay);
      waited += delay;
    }
  }
}
