// The watcher's queue: each workspace at most once in it, at most `concurrency` at a time,
// and close() waits for the runs in flight while dropping what was queued.
import { describe, expect, it } from 'vitest';
import { HealQueue } from '../../src/watch/heal-queue.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('HealQueue', () => {
  it('runs at most `concurrency` at once and drops a duplicate of a queued or active item', async () => {
    const g = gate();
    const started: string[] = [];
    const q = new HealQueue(2, async (t) => {
      started.push(t);
      await g.opened;
    });
    for (const t of ['a', 'b', 'c', 'a', 'c']) q.push(t);
    expect(started).toEqual(['a', 'b']);
    expect(q.inFlight).toBe(2);
    expect(q.depth).toBe(1);
    g.open();
    await q.idle();
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('on close, finishes what runs, drops what waits, and takes nothing new', async () => {
    const g = gate();
    const done: string[] = [];
    const q = new HealQueue(1, async (t) => {
      await g.opened;
      done.push(t);
    });
    q.push('a');
    q.push('b');
    const closing = q.close();
    q.push('c');
    g.open();
    await closing;
    expect(done).toEqual(['a']);
    expect(q.depth).toBe(0);
  });

  it('[defaults] a bounded close asks the runs still going at its end to stop at a safe point, and waits for them', async () => {
    const seen: boolean[] = [];
    const q = new HealQueue(2, async (_t, interrupt) => {
      await new Promise<void>((resolve) => interrupt.addEventListener('abort', () => resolve()));
      seen.push(interrupt.aborted);
    });
    q.push('a');
    q.push('b');
    expect(await q.close({ withinMs: 20 })).toBe(2);
    expect(seen).toEqual([true, true]);
    expect(q.inFlight).toBe(0);
  });

  it('a bounded close whose runs end in time interrupts none', async () => {
    let aborted = false;
    const q = new HealQueue(1, async (_t, interrupt) => {
      await new Promise((r) => setImmediate(r));
      aborted = interrupt.aborted;
    });
    q.push('a');
    expect(await q.close({ withinMs: 5_000 })).toBe(0);
    expect(aborted).toBe(false);
  });
});
