// /healthz of the app as `npm start` runs it, against the real engine seen through a counting
// proxy on a unix socket: fifty probes at once ask the engine once, and the next answer from
// the engine comes only after 5 s.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { type LocalApp, startLocalApp } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const SOCKET = path.join(tmpdir(), `medic-docker-proxy-${randomUUID()}.sock`);
let world: TestWorld;
let gh: StandIn;
let app: LocalApp;
let proxy: net.Server;
let pings = 0;

beforeAll(async () => {
  world = await testWorld();
  gh = await githubStandIn({});
  proxy = net.createServer((client) => {
    const engine = net.connect('/var/run/docker.sock');
    client.on('data', (chunk: Buffer) => {
      // The runtime's ping is the engine's /info (it also says the engine is usable).
      pings += chunk.toString('latin1').match(/^GET \S*\/info /gm)?.length ?? 0;
    });
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', close);
    engine.on('error', close);
  });
  await new Promise<void>((resolve) => proxy.listen(SOCKET, resolve));
  app = await startLocalApp({
    databaseUrl: world.url,
    githubUrl: gh.url,
    secret: 'healthz-secret',
    env: { DOCKER_HOST: `unix://${SOCKET}` },
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await rm(SOCKET, { force: true });
  await gh?.close();
  await world?.close();
});

describe('/healthz over the real engine', () => {
  it('asks the engine at most once per 5 s, however often it is probed', async () => {
    const healthz = () => fetch(`http://127.0.0.1:${app.port}/healthz`).then((r) => r.status);
    await new Promise((r) => setTimeout(r, 5200)); // past the answer the start-up probe left
    const before = pings;
    const burst = await Promise.all(Array.from({ length: 50 }, healthz));
    expect(burst.every((s) => s === 200)).toBe(true);
    expect(pings - before).toBe(1);
    expect(await healthz()).toBe(200);
    expect(pings - before).toBe(1);
    await new Promise((r) => setTimeout(r, 5200));
    expect(await healthz()).toBe(200);
    expect(pings - before).toBe(2);
  }, 30_000);
});
