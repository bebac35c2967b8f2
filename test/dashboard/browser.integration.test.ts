/// <reference lib="dom" />
// The dashboard in a real browser: Debian's headless Chromium driven by puppeteer-core (no
// browser download). Each page renders with no console error and no blocked resource (the CSP
// allows no script at all), has its landmarks and table headers, and the run page is
// screenshotted (the README's picture comes from the same page).
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecoveryResult, recover } from '../../src/core/index.js';
import { dashboardServer } from '../../src/dashboard/server.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const TOKEN = 'browser-token-0123456789abcdef01234567';
let world: TestWorld;
let server: http.Server;
let url: string;
let browser: Browser;
let run: RecoveryResult;

beforeAll(async () => {
  world = await testWorld();
  const ws = await world.broken({ name: 'research lead', stray: { 'notes.txt': 'keep' } });
  run = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli', reason: 'volume pruned' });
  await world
    .broken({ name: 'tech researcher', runtime: 'nosuch' })
    .then((w) => recover(world.deps(), w.container, { actor: 'bob', source: 'auto' }));
  server = dashboardServer({ deps: world.deps(), token: TOKEN, base: '' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
    headless: true,
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await world?.close();
});

async function visit(p: string, screenshot?: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  await page.setExtraHTTPHeaders({ authorization: `Bearer ${TOKEN}` });
  await page.setViewport({ width: 1100, height: 800 });
  const response = await page.goto(`${url}${p}`, { waitUntil: 'networkidle0' });
  const shape = await page.evaluate(() => ({
    main: document.querySelectorAll('main').length,
    nav: document.querySelectorAll('nav').length,
    header: document.querySelectorAll('header').length,
    h1: document.querySelector('h1')?.textContent ?? '',
    th: document.querySelectorAll('th[scope="col"]').length,
    svg: document.querySelectorAll('svg rect').length,
    styled: getComputedStyle(document.querySelector('th') ?? document.body).backgroundColor,
    banner: document.querySelector('.breaker[role="alert"] h2')?.textContent ?? null,
    bannerColor: getComputedStyle(document.querySelector('.breaker') ?? document.body).backgroundColor,
  }));
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { status: response?.status(), problems, shape };
}

describe('the dashboard in Chromium', () => {
  it('renders the overview with landmarks and table headers, and no console error', async () => {
    const v = await visit('/');
    expect(v.status).toBe(200);
    expect(v.problems).toEqual([]);
    expect(v.shape).toMatchObject({ main: 1, nav: 1, header: 1, h1: 'Workspaces and runs' });
    expect(v.shape.th).toBeGreaterThan(3);
    // The stylesheet came from the same origin, as the CSP allows.
    expect(v.shape.styled).toBe('rgb(246, 248, 250)');
  });

  it("draws a run's waterfall, one bar per step", async () => {
    const v = await visit(`/runs/${run.runId}`, path.join(tmpdir(), `medic-run-${run.runId}.png`));
    expect(v.status).toBe(200);
    expect(v.problems).toEqual([]);
    expect(v.shape.svg).toBe(run.steps.length);
    expect(v.shape.th).toBe(4);
  });

  it("lists a workspace's runs", async () => {
    const v = await visit(`/workspaces/${run.workspace.container}`);
    expect(v.status).toBe(200);
    expect(v.problems).toEqual([]);
    expect(v.shape.h1).toContain(run.workspace.container);
  });

  it('draws the report: summary, runs by source and outcome, and recoveries per day as SVG', async () => {
    const v = await visit('/report', path.join(tmpdir(), 'medic-report.png'));
    expect(v.status).toBe(200);
    expect(v.problems).toEqual([]);
    expect(v.shape).toMatchObject({ main: 1, nav: 1, h1: 'Report' });
    expect(v.shape.svg).toBeGreaterThanOrEqual(2); // a day's recovered and failed bars
    expect(v.shape.th).toBeGreaterThanOrEqual(5);
  });

  it("opens the overview with the breaker's banner while a breaker is open (docs/dashboard-breaker.png)", async () => {
    await applyTestPolicy(
      world.db,
      'repos:\n  - repo: acme/platform\n    workspaces: all\nautoheal: {max_unhealthy: 1}\n',
    );
    const [one] = await Promise.all([world.broken({ name: 'planner' }), world.broken({ name: 'critic' })]);
    const skipped = await recover(world.deps(), one!.container, { actor: 'medic-watch', source: 'auto' });
    expect(skipped.error?.code).toBe('BREAKER_OPEN');
    const shot = path.join(process.env.MEDIC_SCREENSHOT_DIR ?? tmpdir(), 'dashboard-breaker.png');
    const v = await visit('/', shot);
    expect(v.problems).toEqual([]);
    expect(v.shape.banner).toMatch(/^Breaker open in fleet: 3 of 4 workspaces broken at once \(limit 1\)$/);
    expect(v.shape.bannerColor).toBe('rgb(255, 235, 233)');
  });
});
