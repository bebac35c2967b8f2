// Notifications against local HTTP receivers, with `medic watch` as the README starts it: a
// failed automatic heal reaches a Slack-format sink and a signed webhook within 2 s of the
// run's end, and the signature verifies; with the webhook's receiver down for a minute the
// event arrives once it is back, with the same delivery id, every attempt recorded, and the run
// ended before the first attempt; a sink that never answers is cut at 10 s and slows nothing.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { until } from '../helpers/fleet-rig.js';
import { type Proc, startProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const SECRET = 'hook-secret-0123456789';

interface Received {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver on a fixed port that can go down and come back; `hang` never answers. */
function receiver(mode: 'ok' | 'hang' = 'ok') {
  const got: Received[] = [];
  let server: http.Server | null = null;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          got.push({ at: Date.now(), headers: req.headers, body });
          if (mode === 'ok') res.writeHead(200).end('ok');
        });
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      server?.closeAllConnections();
      server?.close(() => resolve());
      server = null;
    });
  return { got, up, down, url: () => `http://127.0.0.1:${port}/hook/secret-path` };
}

let world: TestWorld;
let watch: Proc;
const slack = receiver();
const hook = receiver();
const stuck = receiver('hang');

beforeAll(async () => {
  world = await testWorld();
  await Promise.all([slack.up(), hook.up(), stuck.up()]);
  await applyTestPolicy(
    world.db,
    [
      'repos: []',
      'notify:',
      '  - slack: {url_env: SLACK_WEBHOOK_URL}',
      '    events: [recovery.failed]',
      '  - webhook: {url_env: PAGER_HOOK_URL, secret_env: PAGER_HOOK_SECRET}',
      '    events: [recovery.failed, recovery.succeeded]',
      '  - webhook: {url_env: STUCK_HOOK_URL, secret_env: PAGER_HOOK_SECRET}',
      '    events: [recovery.succeeded]',
    ].join('\n'),
  );
  watch = startProcess([BIN, 'watch', '--interval', '3600', '--metrics-port', '0'], {
    DATABASE_URL: world.url,
    SLACK_WEBHOOK_URL: slack.url(),
    PAGER_HOOK_URL: hook.url(),
    PAGER_HOOK_SECRET: SECRET,
    STUCK_HOOK_URL: stuck.url(),
  });
  await until('medic watch is up', 15_000, async () => watch.output().includes('watching ws-* containers'));
}, 60_000);

afterAll(async () => {
  await watch?.stop();
  await Promise.all([slack.down(), hook.down(), stuck.down()]);
  await world?.close();
});

async function runOf(workspaceId: string) {
  const { rows } = await world.db.query(
    "SELECT run_id::text AS run_id, finished_at, result FROM medic.runs WHERE workspace_id = $1 AND state = 'finished' ORDER BY started_at DESC LIMIT 1",
    [workspaceId],
  );
  return rows[0] as { run_id: string; finished_at: Date; result: { outcome: string } } | undefined;
}

describe('notifications', () => {
  it('a failed automatic heal reaches the Slack sink and the signed webhook within 2 s', async () => {
    const ws = await world.broken({ runtime: 'nosuch' }); // its template does not exist: the heal fails
    await expect.poll(() => runOf(ws.id), { timeout: 15_000 }).toBeDefined();
    const run = (await runOf(ws.id))!;
    expect(run.result.outcome).toBe('failed');
    await expect
      .poll(() => hook.got.find((g) => g.body.includes(run.run_id)), { timeout: 5_000 })
      .toBeDefined();
    await expect
      .poll(() => slack.got.find((g) => g.body.includes(ws.container)), { timeout: 5_000 })
      .toBeDefined();
    const atHook = hook.got.find((g) => g.body.includes(run.run_id))!;
    const atSlack = slack.got.find((g) => g.body.includes(ws.container))!;
    const finished = new Date(run.finished_at).getTime();
    expect(atHook.at - finished).toBeLessThan(2000);
    expect(atSlack.at - finished).toBeLessThan(2000);
    // The webhook: the result object, signed like GitHub's, with the event and a delivery id.
    expect(JSON.parse(atHook.body)).toMatchObject({ runId: run.run_id, outcome: 'failed' });
    expect(atHook.headers['x-medic-event']).toBe('recovery.failed');
    expect(atHook.headers['x-medic-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    const expected = `sha256=${createHmac('sha256', SECRET).update(atHook.body).digest('hex')}`;
    expect(atHook.headers['x-medic-signature-256']).toBe(expected);
    // Slack: a readable text naming the workspace, the outcome and the code.
    const text = (JSON.parse(atSlack.body) as { text: string }).text;
    expect(text).toContain(`*${ws.container}*`);
    expect(text).toContain('recovery failed: failed `TEMPLATE_NOT_FOUND`');
    expect(text).not.toContain('secret-path');
  });

  it('with the receiver down for a minute, the event arrives once it is back, with the same delivery id', async () => {
    await hook.down();
    const downAt = Date.now();
    const ws = await world.broken({ runtime: 'nosuch' });
    await expect.poll(() => runOf(ws.id), { timeout: 15_000 }).toBeDefined();
    const run = (await runOf(ws.id))!;
    // A run's events are written once its session is back in the pool, a moment after the run
    // is visible: wait for the row, not for the run.
    const outboxRow = async () =>
      (
        await world.db.query(
          "SELECT id, delivery_id::text AS delivery_id FROM medic.outbox WHERE payload->>'runId' = $1 AND url_env = 'PAGER_HOOK_URL'",
          [run.run_id],
        )
      ).rows[0] as { id: number; delivery_id: string } | undefined;
    await expect.poll(outboxRow, { timeout: 15_000 }).toBeDefined();
    const row = (await outboxRow())!;
    await new Promise((r) => setTimeout(r, Math.max(0, 60_000 - (Date.now() - downAt))));
    const attempts = await world.db.query(
      'SELECT at, error FROM medic.outbox_attempts WHERE outbox_id = $1 ORDER BY at',
      [row.id],
    );
    expect(attempts.rows.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(attempts.rows)).not.toContain('secret-path');
    // The run was over before the first attempt: delivery is not on its path.
    expect(new Date((attempts.rows[0] as { at: Date }).at).getTime()).toBeGreaterThanOrEqual(
      new Date(run.finished_at).getTime(),
    );
    const status = startProcess([BIN, 'status'], { DATABASE_URL: world.url });
    await status.exited;
    // (Slack's sink may be listed first: its events of a kind wait out MEDIC_NOTIFY_DIGEST.)
    expect(status.output()).toMatch(
      /notifications not delivered\n(?: {2}sink 1 .*\n)? {2}sink 2 \(webhook, \$PAGER_HOOK_URL\): 1 pending/,
    );
    // Its attempts since the last delivery are counted (four or more by now); from five on,
    // the circuit is open.
    expect(status.output()).toMatch(/sink 2 .*(; 4 failures in a row|circuit open \(\d+ failures in a row)/);
    await hook.up();
    await expect
      .poll(() => hook.got.filter((g) => g.body.includes(run.run_id)).length, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(1);
    expect(hook.got.find((g) => g.body.includes(run.run_id))!.headers['x-medic-delivery']).toBe(
      row.delivery_id,
    );
  }, 180_000);

  it('a sink that never answers is cut at 10 s and does not slow any recovery', async () => {
    const ws = await world.broken();
    const t0 = Date.now();
    await expect
      .poll(async () => (await runOf(ws.id))?.result.outcome, { timeout: 15_000 })
      .toBe('recovered');
    expect(Date.now() - t0).toBeLessThan(8_000);
    const next = await world.broken();
    await expect
      .poll(async () => (await runOf(next.id))?.result.outcome, { timeout: 8_000 })
      .toBe('recovered');
    await expect
      .poll(
        async () =>
          (
            await world.db.query(
              "SELECT a.error FROM medic.outbox_attempts a JOIN medic.outbox o ON o.id = a.outbox_id WHERE o.url_env = 'STUCK_HOOK_URL'",
            )
          ).rows.map((r) => (r as { error: string }).error),
        { timeout: 20_000, interval: 500 },
      )
      .toContain('no answer within 10 s');
    expect(stuck.got.length).toBeGreaterThan(0);
  }, 60_000);

  it('medic notify test sends a test event to each sink now and says what each answered, URL path cut', async () => {
    const env = {
      DATABASE_URL: world.url,
      SLACK_WEBHOOK_URL: slack.url(),
      PAGER_HOOK_URL: hook.url(),
      PAGER_HOOK_SECRET: SECRET,
    };
    const one = startProcess([BIN, 'notify', 'test', '--sink', '1'], env);
    expect(await one.exited).toBe(0);
    expect(one.output()).toMatch(/sink 1 \(http:\/\/127\.0\.0\.1:\d+\/…\): delivered \(200\)/);
    expect(one.output()).not.toContain('secret-path');
    expect(slack.got.at(-1)?.body).toContain('a test notification');
    // Sink 3's variable is not set here: said, and the exit is 1.
    const all = startProcess([BIN, 'notify', 'test'], env);
    expect(await all.exited).toBe(1);
    expect(all.output()).toContain(
      'sink 3 ((unset)): not delivered: STUCK_HOOK_URL is not set in this process',
    );
    // One shot: the test event that was not delivered is given up, not left for a notifier.
    const { rows } = await world.db.query(
      "SELECT state FROM medic.outbox WHERE event = 'test' AND url_env = 'STUCK_HOOK_URL'",
    );
    expect(rows).toEqual([{ state: 'failed' }]);
  });
});
