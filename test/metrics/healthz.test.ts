// /healthz asks the Docker engine at most every 5 s, however often it is polled: requests in
// between share the last answer (or the one under way); the database is asked each time.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerUnavailableError } from '../../src/core/index.js';
import { DOCKER_CHECK_MS, observabilityHandler, serve } from '../../src/metrics/http-endpoints.js';
import { MedicMetrics } from '../../src/metrics/metrics.js';

let server: http.Server | undefined;
afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

describe('/healthz', () => {
  it('pings the engine at most once per 5 s, and says when it stopped answering', async () => {
    let now = 1_000_000;
    let pings = 0;
    let reachable = true;
    const deps = {
      db: { query: async () => ({ rows: [] }) },
      runtime: {
        ping: async () => {
          pings++;
          if (!reachable) throw new DockerUnavailableError('down');
        },
      },
      clock: { now: () => new Date(now), sleep: async () => undefined },
    };
    const metrics = new MedicMetrics({ leasesHeld: async () => 0, queueDepth: () => 0 });
    server = await serve(
      observabilityHandler(deps as unknown as Parameters<typeof observabilityHandler>[0], metrics),
      0,
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    const get = async () => {
      const res = await fetch(url);
      return { status: res.status, body: (await res.json()) as { docker: string } };
    };
    const burst = await Promise.all(Array.from({ length: 50 }, get));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(pings).toBe(1);
    reachable = false;
    now += DOCKER_CHECK_MS - 1;
    expect((await get()).status).toBe(200);
    expect(pings).toBe(1);
    now += 1;
    expect(await get()).toEqual({
      status: 503,
      body: { ok: false, database: 'ok', docker: 'DOCKER_UNAVAILABLE' },
    });
    expect(pings).toBe(2);
  });
});
