// The write pacer, on a clock the test drives: GitHub's pace (a gap between writes, at most 80
// in any minute), writes in order of what the user waits for, reactions dropped when the
// queue is deep, and a write taken back before it goes out.
import { describe, expect, it } from 'vitest';
import { type WriteKind, WritePacer } from '../../src/github/write-pacer.js';
import { fakeClock } from '../helpers/fake-clock.js';

describe('WritePacer', () => {
  it('keeps the gap between writes and never more than the cap in any minute', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 500, perMinute: 80, clock });
    const at: number[] = [];
    for (let i = 0; i < 200; i++) pacer.schedule('result', async () => void at.push(clock.now().getTime()));
    await run(300_000);
    expect(at).toHaveLength(200);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(500);
    for (const start of at)
      expect(at.filter((t) => t >= start && t < start + 60_000).length).toBeLessThanOrEqual(80);
  });

  it('sends what the user waits for first: results, the close, acknowledgements, progress, reactions', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 1000, perMinute: 80, clock });
    const order: string[] = [];
    const write = (kind: WriteKind, name: string) => pacer.schedule(kind, async () => void order.push(name));
    write('ack', 'first ack'); // goes at once: nothing else waits
    write('reaction', 'rocket');
    write('progress', 'waiting comment');
    write('ack', 'second ack');
    write('close', 'close');
    write('result', 'result');
    await run(10_000);
    // The rocket came up with nothing behind it (the queue had drained), so it was sent. The
    // second ack could not go out at once: dropped, its command's own writes follow.
    expect(order).toEqual(['first ack', 'result', 'close', 'waiting comment', 'rocket']);
  });

  it('sends an acknowledgement only when it can go out at once', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 1000, perMinute: 80, clock });
    const sent: string[] = [];
    pacer.schedule('refusal', async () => void sent.push('refusal'));
    await run(10);
    // A write went out 10 ms ago: this ack would wait for the gap, so it is dropped.
    pacer.schedule('ack', async () => void sent.push('late ack'));
    pacer.schedule('result', async () => void sent.push('result'));
    await run(5_000);
    pacer.schedule('ack', async () => void sent.push('prompt ack'));
    await run(6_000);
    expect(sent).toEqual(['refusal', 'result', 'prompt ack']);
  });

  it('drops a reaction whose turn comes while other writes wait', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 1000, perMinute: 80, clock });
    const sent: string[] = [];
    pacer.schedule('result', async () => void sent.push('r1'));
    const reaction = pacer.schedule('reaction', async () => void sent.push('rocket'));
    pacer.schedule('reaction', async () => void sent.push('eyes'));
    pacer.schedule('reaction', async () => void sent.push('-1'));
    await run(10_000);
    expect(await reaction.done).toBeUndefined();
    // Two writes stood behind the rocket when its turn came; one behind the eyes: that one went.
    expect(sent).toEqual(['r1', 'eyes', '-1']);
  });

  it('takes back a write that has not gone out', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 1000, perMinute: 80, clock });
    const sent: string[] = [];
    pacer.schedule('result', async () => void sent.push('a'));
    const later = pacer.schedule('progress', async () => void sent.push('b'));
    expect(later.cancel()).toBe(true);
    expect(later.cancel()).toBe(false);
    await run(5_000);
    expect(sent).toEqual(['a']);
    expect(await later.done).toBeUndefined();
  });

  it("keeps 20 of the minute's writes for granted commands: refusals and reactions never take them", async () => {
    const { clock, run, now } = fakeClock();
    const pacer = new WritePacer({ gapMs: 100, perMinute: 80, clock });
    const sent: Array<{ what: string; at: number }> = [];
    for (let i = 0; i < 70; i++)
      pacer.schedule('refusal', async () => void sent.push({ what: 'refusal', at: now() }));
    await run(20_000);
    // Sixty refusals went out at the gap's pace; the other ten wait for the minute to turn.
    expect(sent).toHaveLength(60);
    pacer.schedule('result', async () => void sent.push({ what: 'result', at: now() }));
    await run(20_200);
    expect(sent.at(-1)).toMatchObject({ what: 'result' });
    expect(sent.at(-1)!.at).toBeLessThanOrEqual(20_200);
    await run(80_000);
    expect(sent.filter((w) => w.what === 'refusal')).toHaveLength(70);
  });

  it('holds refusals and reactions while a granted command runs, and sends them once it ends', async () => {
    const { clock, run } = fakeClock();
    const pacer = new WritePacer({ gapMs: 1000, perMinute: 80, clock });
    const order: string[] = [];
    const release = pacer.holdLow();
    pacer.schedule('refusal', async () => void order.push('refusal'));
    await run(5_000);
    expect(order).toEqual([]); // nothing took the gap the command's writes need
    pacer.schedule('progress', async () => void order.push('progress'));
    pacer.schedule('result', async () => void order.push('result'));
    await run(10_000);
    expect(order).toEqual(['progress', 'result']);
    release();
    release(); // a second release changes nothing
    await run(20_000);
    expect(order).toEqual(['progress', 'result', 'refusal']);
  });
});
