// A clock a test drives: `now` moves only when `run` moves it, waking sleepers in order and
// letting the code under test run between them. No test waits in real time on it.
import type { Clock } from '../../src/core/index.js';

export function fakeClock() {
  let now = 0;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  const clock: Clock = {
    now: () => new Date(now),
    monotonicMs: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
  };
  /** Moves time forward to `untilMs`, waking sleepers in order and letting the code run between them. */
  const run = async (untilMs: number) => {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers[0];
      if (!next || next.at > untilMs) break;
      sleepers.shift();
      now = next.at;
      next.wake();
    }
    now = Math.max(now, untilMs);
  };
  return { clock, run, now: () => now };
}
