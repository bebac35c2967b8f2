// The dashboard over a real Postgres with real runs in it (a recovery, a refusal, a failing
// workspace), as HTTP: token rules, the login form's cookie, the pages, the JSON API, escaping
// and the Content-Security-Policy; and `medic serve`'s loopback rule, as a process.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecoveryResult, recover, verifyTrail } from '../../src/core/index.js';
import { clearAtRisk, markAtRisk, markLooked } from '../../src/core/store/keep-look-store.js';
import { dashboardServer } from '../../src/dashboard/server.js';
import { engineStopped, place, registerEngine } from '../../src/engines/engine-store.js';
import { applyTestPolicy, TEMPLATES, testGrant } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const TOKEN = 'dash-token-0123456789abcdef0123456789';
let world: TestWorld;
let server: http.Server;
let url: string;
let recovered: RecoveryResult;
let failingContainer: string;

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db);
  const ws = await world.broken({ name: 'alpha <b>bold</b>', stray: { 'notes.txt': 'keep' } });
  recovered = await recover(world.deps(), ws.container, {
    actor: 'alice',
    source: 'cli',
    reason: '<script>alert(1)</script>',
  });
  const grant = testGrant('acme/other', 'admin', { repo: 'acme/other', issue: 1, comment: 2 });
  await recover(world.deps(), ws.container, { actor: 'mallory', source: 'app', grant });
  const failing = await world.broken({ name: 'beta', runtime: 'nosuch' });
  failingContainer = failing.container;
  await recover(world.deps(), failing.container, { actor: 'bob', source: 'cli' });
  server = dashboardServer({ deps: world.deps(), token: TOKEN, base: '' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await world?.close();
});

const get = (p: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`${url}${p}`, { headers, redirect: 'manual' });

describe('the dashboard', () => {
  it('answers 401 without the token, on pages and API alike, and 200 with it', async () => {
    expect((await get('/', {})).status).toBe(401);
    expect((await get('/api/runs', {})).status).toBe(401);
    expect((await get('/', { authorization: 'Bearer wrong-token-12' })).status).toBe(401);
    const ok = await get('/');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('signs in through the login form with an HttpOnly, SameSite=Strict cookie', async () => {
    const form = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      redirect: 'manual',
    });
    expect(form.status).toBe(303);
    const cookie = form.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    expect((await get('/', { cookie: cookie.split(';')[0]! })).status).toBe(200);
    const wrong = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('shows the failing workspace and recent runs, escaped', async () => {
    const html = await (await get('/')).text();
    expect(html).toContain(failingContainer);
    expect(html).toContain('recovered');
    expect(html).toContain('refused');
    const workspace = await (await get(`/workspaces/${recovered.workspace.container}`)).text();
    expect(workspace).toContain('REPO_NOT_GRANTED');
    expect(workspace).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(workspace).not.toContain('<script>');
    expect(workspace).toContain('alpha &lt;b&gt;bold&lt;/b&gt;');
  });

  it('[keep] lists the workspaces at risk with what they lost, on the page and in its JSON', async () => {
    const id = recovered.workspace.id as string;
    const lost = ['skills/<b>.md', 'config.yaml'];
    await markLooked(world.db, id, new Date());
    await markAtRisk(world.db, id, lost, new Date());
    try {
      const html = await (await get('/')).text();
      expect(html).toContain('At risk: lost files their last good copy had');
      expect(html).toContain(`<code>${recovered.workspace.container}</code>`);
      expect(html).toContain('skills/&lt;b&gt;.md, config.yaml');
      const json = (await (await get('/api/overview')).json()) as {
        atRisk: Array<{ workspaceId: string; missing: string[] }>;
      };
      expect(json.atRisk).toEqual([expect.objectContaining({ workspaceId: id, missing: lost })]);
    } finally {
      await clearAtRisk(world.db, id);
    }
    expect(await (await get('/')).text()).not.toContain('At risk');
  });

  it("[voice] reads the report's since as the CLI does, and answers 400 for one it cannot read", async () => {
    const ok = await get('/api/report?since=30d');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      counts: { breakages: expect.any(Number), refused: expect.any(Number) },
    });
    const bad = await get('/api/report?since=2w');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      code: 'INVALID_REQUEST',
      error: 'since=2w is not an age: write it as 30d, 12h, 90m or 45s',
    });
    expect((await get('/report?since=soon')).status).toBe(400);
  });

  it('[contain] shows when the trail was last verified, and what was found', async () => {
    expect(await (await get('/')).text()).toContain('Audit trail: never verified');
    const report = await verifyTrail(world.deps());
    expect(report.ok).toBe(true);
    const html = await (await get('/')).text();
    expect(html).toMatch(
      /Audit trail: last verified .* UTC by <code>medic audit verify<\/code>: <span class="ok">intact<\/span> \(\d+ sealed runs\)/,
    );
  });

  it("shows the fleet's engines once agents have registered: alive or gone, placed, tasks", async () => {
    expect(await (await get('/')).text()).toContain('single-host mode');
    await registerEngine(world.db, { name: 'host-<a>', agent: 'vm:41', dockerVersion: '20.10' });
    await place(world.db, 'host-<a>', { name: failingContainer, id: 'c1' });
    await registerEngine(world.db, { name: 'host-b', agent: 'vm:42', dockerVersion: '20.10' });
    await engineStopped(world.db, 'host-b', 'vm:42');
    const html = await (await get('/')).text();
    expect(html).toContain('<caption>Engines</caption>');
    expect(html).toContain('host-&lt;a&gt;');
    expect(html).toMatch(
      /<td>host-&lt;a&gt;<\/td><td><span class="ok">alive<\/span> <code>vm:41<\/code><\/td><td>[^<]+<\/td><td>1<\/td>/,
    );
    expect(html).toMatch(/<td>host-b<\/td><td><span class="failed">gone<\/span>/);
  });

  it("draws a run's steps and names every one, with how to roll its snapshot back", async () => {
    const html = await (await get(`/runs/${recovered.runId}`)).text();
    expect(html).toContain('<svg');
    for (const step of recovered.steps) expect(html).toContain(`<td>${step.name}</td>`);
    expect(html).toContain(`medic rollback ${recovered.runId}`);
  });

  it('serves the same data as JSON', async () => {
    const runs = (await (await get('/api/runs?limit=10')).json()) as Array<{
      run_id: string;
      outcome: string;
    }>;
    expect(runs.map((r) => r.run_id)).toContain(recovered.runId);
    const run = (await (await get(`/api/runs/${recovered.runId}`)).json()) as { steps: unknown[] };
    expect(run.steps).toHaveLength(recovered.steps.length);
    const ws = (await (await get(`/api/workspaces/${recovered.workspace.container}`)).json()) as {
      runs: unknown[];
    };
    expect(ws.runs).toHaveLength(2);
    expect((await get('/api/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('medic serve', () => {
  it('refuses a --host other than loopback without a token, naming the variable', async () => {
    const out = await promisify(execFile)('node', [BIN, 'serve', '--host', '0.0.0.0', '--port', '0'], {
      env: { PATH: process.env.PATH, DATABASE_URL: world.url, CONFIGS_DIR: TEMPLATES },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(out).toMatchObject({ code: 2 });
    expect((out as { stderr: string }).stderr).toContain('MEDIC_DASHBOARD_TOKEN');
  });
});

describe('the dashboard hardened', () => {
  /** A dashboard of its own, with the core's clock moved by `shiftMs`. */
  async function own(options: { token: string | null; secureCookie?: boolean; shiftMs?: number }) {
    const deps = world.deps();
    const clock = { ...deps.clock, now: () => new Date(Date.now() + (options.shiftMs ?? 0)) };
    const s = dashboardServer({ deps: { ...deps, clock }, base: '', ...options });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    return { port, close: () => new Promise((resolve) => s.close(resolve)) };
  }
  const signIn = (port: number, token: string) =>
    fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
  /** A raw GET with the Host header a browser would send after a DNS rebinding. */
  const withHost = (port: number, host: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/api/runs', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });

  it('without a token, answers only a Host that names the loopback (421 otherwise)', async () => {
    const d = await own({ token: null });
    try {
      for (const host of [
        '127.0.0.1',
        `127.0.0.1:${d.port}`,
        `localhost:${d.port}`,
        'LOCALHOST',
        `[::1]:${d.port}`,
      ])
        expect(await withHost(d.port, host)).toBe(200);
      for (const host of [
        'evil.example',
        `evil.example:${d.port}`,
        '127.0.0.1.evil.example',
        'localhost.evil',
      ])
        expect(await withHost(d.port, host)).toBe(421);
    } finally {
      await d.close();
    }
  });

  it('gives a cookie that lasts 12 hours, Secure behind a proxy that says so, and is worth nothing after', async () => {
    const d = await own({ token: TOKEN });
    const later = await own({ token: TOKEN, shiftMs: 12 * 3600e3 + 60_000 });
    const secure = await own({ token: TOKEN, secureCookie: true });
    try {
      const cookie = (await signIn(d.port, TOKEN)).headers.get('set-cookie') ?? '';
      expect(cookie).toContain('Max-Age=43200');
      expect(cookie).not.toContain('Secure');
      const value = cookie.split(';')[0]!;
      const at = (port: number, c: string) => fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: c } });
      expect((await at(d.port, value)).status).toBe(200);
      expect((await at(later.port, value)).status).toBe(401);
      // A cookie whose expiry is pushed out no longer carries a valid MAC.
      const [name, rest] = value.split('=') as [string, string];
      const forged = `${name}=${Number(rest.split('.')[0]) + 86_400}.${rest.split('.')[1]}`;
      expect((await at(d.port, forged)).status).toBe(401);
      expect((await signIn(secure.port, TOKEN)).headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await Promise.all([d.close(), later.close(), secure.close()]);
    }
  });

  it('answers 429 after five failed sign-ins from one address in a minute, even to the right token', async () => {
    const d = await own({ token: TOKEN });
    try {
      for (let i = 0; i < 5; i++) expect((await signIn(d.port, `wrong-${i}`)).status).toBe(401);
      const blocked = await signIn(d.port, TOKEN);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await d.close();
    }
  });

  it('refuses a token shorter than 32 characters with INVALID_CONFIG, naming the variable', async () => {
    const out = await promisify(execFile)('node', [BIN, 'serve', '--port', '0'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: world.url,
        CONFIGS_DIR: TEMPLATES,
        MEDIC_DASHBOARD_TOKEN: 'short-token',
      },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(out).toMatchObject({ code: 2 });
    expect((out as { stderr: string }).stderr).toMatch(
      /INVALID_CONFIG: MEDIC_DASHBOARD_TOKEN is invalid: must be at least 32/,
    );
  });
});
