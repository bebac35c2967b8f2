// `npm start`'s entry as a process (lib/app/main.js, Probot's env): it serves webhooks, and
// /healthz, /metrics and the HTTP API (/api/v1) beside them; a bad setting stops it with a message naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proc, startApp as startAppProcess } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;

beforeAll(async () => {
  world = await testWorld({ migrate: false }); // the app migrates on start
});
afterAll(() => world?.close());

/** The app as `npm start` runs it, on this file's database. */
function startApp(env: Record<string, string>): Proc {
  return startAppProcess({ WEBHOOK_SECRET: 's', DATABASE_URL: world.url, ...env });
}

describe('the app process', () => {
  it('serves /healthz and /metrics beside the webhooks, and stops on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const { child } = startApp({ PORT: String(port) });
    const health = async () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(health, { timeout: 20_000 }).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('medic_recoveries_total');
    expect(metrics).toContain('medic_queue_depth 0');
    // Unsigned: Probot's webhook path rejects it, proving the path is served.
    const hook = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'x' },
    });
    expect(hook.status).toBeGreaterThanOrEqual(400);
    // The HTTP API beside them: its document open, its operations behind a client's token.
    const doc = await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const api = await fetch(`http://127.0.0.1:${port}/api/v1/diagnoses`, {
      method: 'POST',
      body: '{"targets":["ws-00000000-000"]}',
    });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('serves the dashboard under /medic/ only with MEDIC_DASHBOARD_TOKEN, behind it', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const { child } = startApp({
      PORT: String(port),
      MEDIC_DASHBOARD_TOKEN: 'app-dash-token-0123456789abcdef012345',
    });
    const at = (p: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${port}${p}`, { headers }).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(() => at('/healthz'), { timeout: 20_000 }).toBe(200);
    expect(await at('/medic/')).toBe(401);
    expect(await at('/medic/', { authorization: 'Bearer app-dash-token-0123456789abcdef012345' })).toBe(200);
    expect(
      await at('/medic/api/runs', { authorization: 'Bearer app-dash-token-0123456789abcdef012345' }),
    ).toBe(200);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exit;
    const { child: plain } = startApp({ PORT: String(port + 1) });
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port + 1}/healthz`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 20_000 },
      )
      .toBe(200);
    expect(await fetch(`http://127.0.0.1:${port + 1}/medic/`).then((r) => r.status)).toBe(404);
    const exit2 = new Promise((resolve) => plain.once('exit', resolve));
    plain.kill('SIGTERM');
    await exit2;
  });

  it('will not start without WEBHOOK_SECRET (outside development), naming it', async () => {
    const { child, output } = startApp({ PORT: '0', WEBHOOK_SECRET: '' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output()).toContain('WEBHOOK_SECRET');
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const { child, output } = startApp({ PORT: '0', MEDIC_APP_CONCURRENCY: 'lots' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output()).toContain('MEDIC_APP_CONCURRENCY');
  });
});
