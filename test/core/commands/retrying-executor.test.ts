import { describe, expect, it } from 'vitest';
import { type Executor, type RecoveryResult, retryingExecutor } from '../../../src/core/index.js';
import { DatabaseUnavailableError } from '../../../src/core/model/errors.js';

const result = (code: string | null) =>
  ({ outcome: code ? 'failed' : 'recovered', error: code ? { code } : null }) as RecoveryResult;

function scripted(answers: Array<RecoveryResult | Error>): { executor: Executor; calls: () => number } {
  let calls = 0;
  const next = async () => {
    const a = answers[calls++]!;
    if (a instanceof Error) throw a;
    return a;
  };
  return {
    executor: { recover: next, rollback: next, diagnose: () => Promise.reject(new Error('not used')) },
    calls: () => calls,
  };
}
const slept: number[] = [];
const clock = { sleep: async (ms: number) => void slept.push(ms) };
const options = { actor: 'a', source: 'app' } as const;

describe('retryingExecutor', () => {
  it('runs again, backing off, a run that lost its database session, until one ends otherwise', async () => {
    slept.length = 0;
    const s = scripted([result('LEASE_LOST'), new DatabaseUnavailableError('down'), result(null)]);
    const r = await retryingExecutor(s.executor, clock).recover('ws-x', options);
    expect(r.outcome).toBe('recovered');
    expect(s.calls()).toBe(3);
    // The one backoff: up to 500 ms, then up to 1 s (full jitter).
    expect(slept).toHaveLength(2);
    expect(slept[0]).toBeLessThanOrEqual(500);
    expect(slept[1]).toBeLessThanOrEqual(1000);
  });

  it('does not run again any other failure, and gives the last answer after its attempts', async () => {
    const other = scripted([result('START_TIMEOUT')]);
    expect((await retryingExecutor(other.executor, clock).recover('ws-x', options)).error?.code).toBe(
      'START_TIMEOUT',
    );
    expect(other.calls()).toBe(1);
    const lost = scripted([result('LEASE_LOST'), result('LEASE_LOST')]);
    const r = await retryingExecutor(lost.executor, clock, { attempts: 2, firstDelayMs: 1 }).rollback(
      'r',
      options,
    );
    expect(r.error?.code).toBe('LEASE_LOST');
    expect(lost.calls()).toBe(2);
    const down = scripted([new DatabaseUnavailableError('down'), new DatabaseUnavailableError('still')]);
    await expect(
      retryingExecutor(down.executor, clock, { attempts: 2, firstDelayMs: 1 }).recover('ws-x', options),
    ).rejects.toThrow('still');
  });
});
