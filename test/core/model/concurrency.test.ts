// The default number of recoveries at a time: two per CPU of the engine, from 2 to 16.
import { describe, expect, it } from 'vitest';
import { recoveriesAtATime } from '../../../src/core/model/concurrency.js';

describe('recoveriesAtATime', () => {
  it('gives two per engine CPU, at least 2 and at most 16', () => {
    expect([1, 2, 3, 4, 8, 64].map(recoveriesAtATime)).toEqual([2, 4, 6, 8, 16, 16]);
  });

  it('keeps the former 4 when the engine does not say', () => {
    expect(recoveriesAtATime(null)).toBe(4);
    expect(recoveriesAtATime(undefined)).toBe(4);
    expect(recoveriesAtATime(0)).toBe(4);
  });
});
