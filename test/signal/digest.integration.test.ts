// [storm] Digests instead of floods: on a real Postgres, through the real notifier and real
// HTTP, 20 failures for one Slack sink arrive as one message (how many, the first ten
// workspaces with their codes, how many more); the same kind's events that follow wait for
// MEDIC_NOTIFY_DIGEST and go together; another kind goes at once. (The window is shortened from
// 1m to 3 s only to save time.)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { Notifier } from '../../src/notifications/notifier.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
let server: http.Server;
const got: Array<{ at: number; text: string }> = [];
let url = '';

beforeAll(async () => {
  world = await testWorld();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      got.push({ at: Date.now(), text: (JSON.parse(body) as { text: string }).text });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
}, 60_000);
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await world?.close();
});

/** `n` events of `event` for the Slack sink, each a failed run of its own workspace. */
const insert = (n: number, event: string, first = 1) =>
  world.db.query(
    `INSERT INTO medic.outbox (delivery_id, sink, sink_kind, url_env, event, payload)
     SELECT gen_random_uuid(), 1, 'slack', 'SLACK_URL', $2,
            jsonb_build_object('runId', $3::text, 'outcome', 'failed',
              'workspace', jsonb_build_object('container', 'ws-0000000' || lpad(g::text, 2, '0') || '-000'),
              'error', jsonb_build_object('code', 'TEMPLATE_NOT_FOUND', 'message', 'x'))
       FROM generate_series($4::int, $4::int + $1 - 1) g`,
    [n, event, randomUUID(), first],
  );

describe('a storm of events for a Slack sink', () => {
  it('is one message per kind per window, naming the first workspaces and counting the rest', async () => {
    await insert(20, 'recovery.failed');
    const notifier = new Notifier(
      {
        db: world.db,
        logger: silentLogger,
        clock: systemClock,
        config: world.deps({ MEDIC_NOTIFY_DIGEST: '3s' }).config,
      },
      { SLACK_URL: url },
    );
    notifier.start();
    try {
      await expect.poll(() => got.length, { timeout: 10_000, interval: 50 }).toBe(1);
      const first = got[0]!;
      expect(first.text.split('\n')[0]).toBe('🩺 medic: 20 × recovery failed');
      expect(first.text).toContain('• *ws-000000001-000* `TEMPLATE_NOT_FOUND`');
      expect(first.text).toContain('• *ws-000000010-000*');
      expect(first.text).not.toContain('ws-000000011-000');
      expect(first.text.split('\n').at(-1)).toBe('and 10 more');
      // Two more of the same kind wait for the window; another kind goes at once.
      await insert(2, 'recovery.failed', 21);
      await insert(1, 'budget.exhausted', 30);
      await expect.poll(() => got.length, { timeout: 10_000, interval: 50 }).toBe(3);
      expect(got[1]!.text).toContain('restart budget exhausted');
      expect(got[1]!.text).toContain('ws-000000030-000');
      expect(got[2]!.text.split('\n')[0]).toBe('🩺 medic: 2 × recovery failed');
      expect(got[2]!.at - first.at).toBeGreaterThanOrEqual(2_900);
      // The sink has answered before the notifier marks the rows delivered: wait for the mark.
      const states = async () =>
        (
          await world.db.query(
            "SELECT state, count(*)::int AS n FROM medic.outbox WHERE url_env = 'SLACK_URL' GROUP BY 1",
          )
        ).rows;
      await expect.poll(states, { timeout: 10_000, interval: 50 }).toEqual([{ state: 'delivered', n: 23 }]);
    } finally {
      await notifier.stop();
    }
  }, 60_000);
});
