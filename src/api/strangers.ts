// Calls without a valid token, counted per address in this process: past a few a minute an
// address is answered 429 with Retry-After before its token is even looked up, and the log
// has one line per address a minute (with how many were refused), not one per call.
export interface StrangerGate {
  /** Seconds to wait when `address` has failed too often lately; null: let it try. */
  blockedFor(address: string, nowMs: number): number | null;
  /** Notes a failed call; true when it is the first from `address` this window (worth a log line). */
  failed(address: string, nowMs: number): boolean;
}

export const STRANGER_WINDOW_MS = 60_000;
export const STRANGER_FAILURES = 10;
/** Addresses remembered at most (a flood from many addresses forgets the oldest first). */
const MAX_ADDRESSES = 10_000;

export function strangerGate(limit = STRANGER_FAILURES, windowMs = STRANGER_WINDOW_MS): StrangerGate {
  const seen = new Map<string, number[]>();
  const recent = (address: string, nowMs: number) => {
    const times = (seen.get(address) ?? []).filter((t) => nowMs - t < windowMs);
    if (times.length > 0) seen.set(address, times);
    else seen.delete(address);
    return times;
  };
  return {
    blockedFor(address, nowMs) {
      const times = recent(address, nowMs);
      if (times.length < limit) return null;
      return Math.max(1, Math.ceil((times[0]! + windowMs - nowMs) / 1000));
    },
    failed(address, nowMs) {
      const times = recent(address, nowMs);
      times.push(nowMs);
      seen.delete(address);
      seen.set(address, times); // the most recent last, so the oldest go first
      if (seen.size > MAX_ADDRESSES) seen.delete(seen.keys().next().value as string);
      return times.length === 1;
    },
  };
}
