// [defaults] One width per process: an agent's heals and tasks draw from the same slots, so
// with --concurrency 2 and a task running, one heal runs, not two more.
import { describe, expect, it } from 'vitest';
import { HealQueue } from '../../src/watch/heal-queue.js';
import { Width } from '../../src/work/queue/width.js';

describe('a width shared by the healer and the task worker', () => {
  it('heals only in the slots the tasks leave free, and goes on when a task gives its slot back', async () => {
    const width = new Width(2);
    const release = new Map<string, () => void>();
    const healing = new Set<string>();
    const queue = new HealQueue(
      2,
      (target) =>
        new Promise<void>((resolve) => {
          healing.add(target);
          release.set(target, () => {
            healing.delete(target);
            resolve();
          });
        }),
      width,
    );
    expect(width.take()).toBe(true); // a task is running
    for (const t of ['ws-a', 'ws-b', 'ws-c']) queue.push(t);
    expect([...healing]).toEqual(['ws-a']);
    expect(width.inUse).toBe(2);
    width.give(); // the task ended
    expect([...healing]).toEqual(['ws-a', 'ws-b']);
    release.get('ws-a')!();
    await new Promise((r) => setTimeout(r, 0));
    expect([...healing]).toEqual(['ws-b', 'ws-c']);
    release.get('ws-b')!();
    release.get('ws-c')!();
    await queue.idle();
    expect(width.inUse).toBe(0);
  });
});
