// The watcher's event feed: passes on ws-* events and reconnects (from where it left off)
// when the stream drops.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/model/ports.js';
import { DockerEventFeed, type WorkspaceEvent } from '../../src/watch/docker-events.js';
import { fakeClock } from '../helpers/fake-clock.js';

const line = (name: string, action: string, time: number) =>
  `${JSON.stringify({ Type: 'container', Action: action, time, Actor: { Attributes: { name } } })}\n`;

describe('DockerEventFeed', () => {
  it('passes on ws-* events, ignores others, and resubscribes since the last event when the stream drops', async () => {
    const seen: WorkspaceEvent[] = [];
    const sinces: Array<number | null> = [];
    const streams = [new PassThrough(), new PassThrough()];
    // The wait before it resubscribes (up to 500 ms, jittered) passes on a clock the test moves.
    const { clock, run } = fakeClock();
    const feed = new DockerEventFeed(
      async (since) => {
        sinces.push(since);
        const s = streams.shift();
        if (!s) throw new Error('engine down');
        return s;
      },
      (e) => seen.push(e),
      silentLogger,
      undefined,
      undefined,
      clock,
    );
    const [first, second] = streams as [PassThrough, PassThrough];
    feed.start();
    await new Promise((r) => setTimeout(r, 20));
    first.write(line('ws-92f6d88b-6a9', 'die', 100));
    first.write(line('postgres', 'die', 101));
    first.write(line('ws-92f6d88b-6a9', 'exec_start: sh', 102));
    first.write(`${line('ws-aaaaaaaa-bbb', 'health_status: unhealthy', 103).slice(0, 20)}`); // split across chunks
    first.write(`${line('ws-aaaaaaaa-bbb', 'health_status: unhealthy', 103).slice(20)}`);
    first.end();
    await run(1_000);
    second.write(line('ws-92f6d88b-6a9', 'start', 104));
    await new Promise((r) => setTimeout(r, 20));
    feed.stop();
    expect(seen.map((e) => `${e.container} ${e.action}`)).toEqual([
      'ws-92f6d88b-6a9 die',
      'ws-aaaaaaaa-bbb health_status: unhealthy',
      'ws-92f6d88b-6a9 start',
    ]);
    expect(sinces).toEqual([null, 103]);
  });

  it('closes a stream the engine opens after the feed was stopped (its socket would keep the process alive)', async () => {
    let answer!: (stream: PassThrough) => void;
    const feed = new DockerEventFeed(
      () =>
        new Promise<PassThrough>((resolve) => {
          answer = resolve;
        }),
      () => {},
      silentLogger,
    );
    feed.start();
    await new Promise((r) => setImmediate(r));
    feed.stop(); // a SIGTERM while the engine is slow to answer the subscription
    const late = new PassThrough();
    answer(late);
    await new Promise((r) => setImmediate(r));
    expect(late.destroyed).toBe(true);
  });
});
