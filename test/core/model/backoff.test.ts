// The one backoff: exponential ceilings from the base, capped, and a full-jitter wait in
// [0, ceiling] (property-checked with fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffMs } from '../../../src/core/model/backoff.js';

const b = { baseMs: 1000, capMs: 60_000 };

describe('backoffMs', () => {
  it('doubles its ceiling from the base to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffCeilingMs(a, b))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
    expect(backoffMs(3, b, () => 1)).toBe(4000);
    expect(backoffMs(3, b, () => 0)).toBe(0);
  });

  it('waits a whole number of ms between nothing and the ceiling, whatever the attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const ms = backoffMs(attempt, b, () => r);
          return Number.isInteger(ms) && ms >= 0 && ms <= backoffCeilingMs(attempt, b) && ms <= b.capMs;
        },
      ),
    );
  });

  it('spreads retries begun together', () => {
    const waits = Array.from({ length: 200 }, () => backoffMs(5, b));
    expect(new Set(waits).size).toBeGreaterThan(100);
  });
});
