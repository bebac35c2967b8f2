// The one backoff every retry in medic waits by: exponential in the attempt from `baseMs`,
// capped at `capMs`, with full jitter (a uniform wait between nothing and that ceiling, as in
// "Exponential Backoff And Jitter", AWS Architecture Blog), so that many retries begun
// together do not arrive together. `random` is injectable: a test that wants the ceilings
// passes `() => 1`.

export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/** The ceiling of attempt `attempt` (1 is the first retry): baseMs, doubling, capped. */
export function backoffCeilingMs(attempt: number, b: Backoff): number {
  return Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** How long attempt `attempt` waits: uniform in [0, its ceiling], whole milliseconds. */
export function backoffMs(attempt: number, b: Backoff, random: () => number = Math.random): number {
  return Math.round(backoffCeilingMs(attempt, b) * random());
}
