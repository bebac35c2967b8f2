// [defaults] One dead sink cannot starve the others: with 500 events pending for a webhook
// that never answers (on a real Postgres, through the real notifier and real HTTP), a Slack
// sink's event arrives within 5 s; the dead sink holds a few slots at a time, never all, and
// after failing in a row it is paused instead of retried row by row.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { Notifier } from '../../src/notifications/notifier.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
const servers: http.Server[] = [];
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  for (const s of servers) s.close();
  await world?.close();
});

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const insert = (n: number, urlEnv: string, kind: 'slack' | 'webhook', event = 'recovery.failed') =>
  world.db.query(
    `INSERT INTO medic.outbox (delivery_id, sink, sink_kind, url_env, event, payload)
     SELECT gen_random_uuid(), 1, $2, $3, $4, jsonb_build_object('runId', $5::text, 'n', g) FROM generate_series(1, $1) g`,
    [n, kind, urlEnv, event, randomUUID()],
  );

describe('a sink that never answers', () => {
  it("does not hold back a healthy sink's event: it arrives within 5 s", async () => {
    const hung = await listen(() => {}); // reads the request, never answers
    const slackGot: number[] = [];
    const slack = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        slackGot.push(Date.now());
        res.writeHead(200).end('ok');
      });
    });
    await insert(500, 'DEAD_HOOK_URL', 'webhook');
    const notifier = new Notifier(
      { db: world.db, logger: silentLogger, clock: systemClock, config: world.deps().config },
      { DEAD_HOOK_URL: hung, SLACK_URL: slack },
    );
    notifier.start();
    try {
      // The dead sink's rows are claimed first (they are older), and hang for 10 s each.
      await new Promise((r) => setTimeout(r, 1_000));
      await insert(1, 'SLACK_URL', 'slack');
      const queuedAt = Date.now();
      await expect.poll(() => slackGot.length, { timeout: 5_000, interval: 50 }).toBe(1);
      expect(slackGot[0]! - queuedAt).toBeLessThan(5_000);
      const { rows } = await world.db.query(
        "SELECT count(*)::int AS n FROM medic.outbox WHERE url_env = 'DEAD_HOOK_URL' AND attempts > 0",
      );
      // A few at a time for the dead sink (4 in flight), not a batch of 20 every pass.
      expect((rows[0] as { n: number }).n).toBeLessThanOrEqual(8);
    } finally {
      await notifier.stop();
    }
  }, 60_000);

  it('[voice] a sink whose variable this process lacks is said once, with the variable to set, not at every retry', async () => {
    const warned: string[] = [];
    const logger = { ...silentLogger, warn: (_o: object, msg?: string) => void warned.push(msg ?? '') };
    const url = `UNSET_${randomUUID().slice(0, 8).toUpperCase()}_URL`;
    await insert(3, url, 'webhook');
    const { rows } = await world.db.query(
      'SELECT delivery_id::text AS id FROM medic.outbox WHERE url_env = $1',
      [url],
    );
    const ids = (rows as { id: string }[]).map((r) => r.id);
    const notifier = new Notifier(
      { db: world.db, logger, clock: systemClock, config: world.deps().config },
      {},
    );
    expect(await notifier.pass(ids)).toHaveLength(3);
    await world.db.query('UPDATE medic.outbox SET next_at = now() WHERE url_env = $1', [url]);
    expect(await notifier.pass(ids)).toHaveLength(3);
    const about = warned.filter((m) => m.includes(url));
    expect(about).toEqual([
      `notification not delivered: set ${url} in this process (said once; its events wait)`,
    ]);
  });
});
