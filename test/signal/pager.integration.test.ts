// [pager] PagerDuty and Opsgenie sinks against local receivers that speak each service's
// documented API (PagerDuty Events API v2: POST /v2/enqueue with routing_key, event_action,
// dedup_key, answered 202; Opsgenie Alert API: POST /v2/alerts and POST
// /v2/alerts/{alias}/close?identifierType=alias with `Authorization: GenieKey`, answered 202),
// with real recoveries on the real engine and the outbox delivered by the notifier.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover, silentLogger, systemClock } from '../../src/core/index.js';
import { Notifier } from '../../src/notifications/notifier.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { until } from '../helpers/fleet-rig.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const PD_KEY = 'R0UTINGKEY0123456789abcdefABCDEF';
const OG_KEY = 'og-api-key-0123456789';
const DASHBOARD = 'https://medic.example.com/dash';
const RUNBOOK = 'https://runbooks.example.com/workspaces/claude-code';

interface Alert {
  readonly actions: string[];
  readonly bodies: Array<Record<string, unknown>>;
}

/** A stand-in for one service: the alerts it holds by key, each with its actions in order. */
function service(kind: 'pagerduty' | 'opsgenie') {
  const alerts = new Map<string, Alert>();
  let up = true;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      if (!up) return void res.destroy();
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const url = new URL(req.url ?? '/', 'http://x');
      const answer = (status: number, json: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const record = (key: string, action: string) => {
        const a = alerts.get(key) ?? { actions: [], bodies: [] };
        a.actions.push(action);
        a.bodies.push(body);
        alerts.set(key, a);
      };
      if (kind === 'pagerduty') {
        if (url.pathname !== '/v2/enqueue' || body.routing_key !== PD_KEY)
          return answer(400, { status: 'invalid event' });
        record(String(body.dedup_key), String(body.event_action));
        return answer(202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key });
      }
      if (req.headers.authorization !== `GenieKey ${OG_KEY}`)
        return answer(401, { message: 'Key is invalid' });
      const close = /^\/v2\/alerts\/([^/]+)\/close$/.exec(url.pathname);
      if (close && url.searchParams.get('identifierType') === 'alias')
        record(decodeURIComponent(close[1]!), 'close');
      else if (url.pathname === '/v2/alerts' && typeof body.alias === 'string') record(body.alias, 'create');
      else return answer(404, { message: 'not found' });
      return answer(202, { result: 'Request will be processed', took: 0.01, requestId: crypto.randomUUID() });
    });
  });
  const listening = new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    alerts,
    set up(v: boolean) {
      up = v;
    },
    url: async (path: string) => {
      await listening;
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let world: TestWorld;
const pd = service('pagerduty');
const og = service('opsgenie');
let notifier: Notifier;

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(
    world.db,
    [
      'repos:\n  - repo: acme/platform\n    workspaces: all',
      `runbooks: {default: 'https://runbooks.example.com/workspaces', claude-code: '${RUNBOOK}'}`,
      'notify:',
      '  - pagerduty: {routing_key_env: PD_KEY, url_env: PD_URL}\n    severity: critical\n    component: workspaces\n    group: agents',
      '  - opsgenie: {api_key_env: OG_KEY, url_env: OG_URL}',
    ].join('\n'),
  );
  notifier = new Notifier(
    {
      db: world.db,
      logger: silentLogger,
      clock: systemClock,
      config: world.deps({ MEDIC_DASHBOARD_URL: DASHBOARD }).config,
    },
    { PD_KEY, PD_URL: await pd.url('/v2/enqueue'), OG_KEY, OG_URL: await og.url('') },
    { pollMs: 100, maxBackoffS: 1 },
  );
  notifier.start();
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await Promise.all([pd.close(), og.close()]);
  await world?.close();
});

const auto = { actor: 'medic-watch', source: 'auto' } as const;

/** A workspace whose first automatic heal fails (no template for its runtime) and whose second succeeds. */
async function failThenRecover(between?: () => Promise<void>) {
  const ws = await world.broken({ runtime: 'no-such-runtime' });
  const failed = await recover(world.deps(), ws.container, auto);
  expect(failed.outcome).toBe('failed');
  const key = `medic/${ws.id}`;
  await until('the trigger delivered', 15_000, async () => (pd.alerts.get(key)?.actions.length ?? 0) >= 1);
  await between?.();
  await world.db.query("UPDATE workspaces SET runtime = 'claude-code' WHERE id = $1", [ws.id]);
  const recovered = await recover(world.deps(), ws.container, auto);
  expect(recovered.outcome).toBe('recovered');
  return { ws, key, failed, recovered };
}

describe('PagerDuty and Opsgenie', () => {
  it('a failed automatic heal and a later success: one alert each, triggered then resolved, with the run and the runbook', async () => {
    const { key, failed } = await failThenRecover();
    await until(
      'resolved at both',
      15_000,
      async () =>
        pd.alerts.get(key)?.actions.at(-1) === 'resolve' && og.alerts.get(key)?.actions.at(-1) === 'close',
    );
    expect(pd.alerts.get(key)!.actions).toEqual(['trigger', 'resolve']);
    const trigger = pd.alerts.get(key)!.bodies[0]!;
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: key,
      client: 'workspace-medic',
      payload: { severity: 'critical', component: 'workspaces', group: 'agents', class: 'template_missing' },
    });
    expect(String((trigger.payload as { summary: string }).summary)).toContain('TEMPLATE_NOT_FOUND');
    expect(trigger.links).toEqual([
      { href: `${DASHBOARD}/runs/${failed.runId}`, text: `medic run ${failed.runId.slice(0, 8)}` },
      { href: 'https://runbooks.example.com/workspaces', text: 'runbook' }, // its runtime then had none of its own
    ]);
    expect(pd.alerts.get(key)!.bodies[1]).toEqual({
      routing_key: PD_KEY,
      event_action: 'resolve',
      dedup_key: key,
    });
    expect(og.alerts.get(key)!.actions).toEqual(['create', 'close']);
    expect(og.alerts.get(key)!.bodies[0]).toMatchObject({
      alias: key,
      priority: 'P2',
      source: 'workspace-medic',
    });
    expect(String(og.alerts.get(key)!.bodies[0]!.description)).toContain(`${DASHBOARD}/runs/${failed.runId}`);
  });

  it('the receiver down during the resolve, then back: resolved once', async () => {
    const { key } = await failThenRecover(async () => {
      pd.up = false;
    });
    // The resolve is tried and fails while it is down.
    await until('a failed attempt at the resolve', 15_000, async () => {
      const { rows } = await world.db.query(
        `SELECT count(*)::int AS n FROM medic.outbox_attempts a JOIN medic.outbox o ON o.id = a.outbox_id
          WHERE o.event = 'recovery.succeeded' AND o.sink_kind = 'pagerduty' AND o.payload -> 'pager' ->> 'key' = $1 AND a.error IS NOT NULL`,
        [key],
      );
      return (rows[0] as { n: number }).n > 0;
    });
    pd.up = true;
    await until('resolved', 20_000, async () => pd.alerts.get(key)?.actions.at(-1) === 'resolve');
    await new Promise((r) => setTimeout(r, 1500)); // no second resolve follows
    expect(pd.alerts.get(key)!.actions).toEqual(['trigger', 'resolve']);
  });

  it("pages no one for a person's own failed run, and sends no resolve for an alert never opened", async () => {
    const ws = await world.broken({ runtime: 'no-such-runtime' });
    expect((await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' })).outcome).toBe(
      'failed',
    );
    await world.db.query("UPDATE workspaces SET runtime = 'claude-code' WHERE id = $1", [ws.id]);
    expect((await recover(world.deps(), ws.container, auto)).outcome).toBe('recovered');
    const { rows } = await world.db.query(
      "SELECT count(*)::int AS n FROM medic.outbox WHERE sink_kind IN ('pagerduty', 'opsgenie') AND payload -> 'pager' ->> 'key' = $1",
      [`medic/${ws.id}`],
    );
    expect(rows[0]).toEqual({ n: 0 });
  });
});
