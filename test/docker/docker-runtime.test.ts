// A wedged engine must not hang medic: against a socket that accepts connections and never
// answers (what a deadlocked dockerd looks like from outside), ping fails with
// DOCKER_UNAVAILABLE in time, and so does any other request, after the request bound.

import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/docker/docker-runtime.js';

let socket: string;
let server: http.Server;
beforeAll(async () => {
  socket = path.join(mkdtempSync(path.join(tmpdir(), 'medic-wedged-')), 'docker.sock');
  server = http.createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('DockerRuntime against an engine that stopped answering', () => {
  it('fails ping with DOCKER_UNAVAILABLE within the ping bound', async () => {
    const runtime = DockerRuntime.connect(`unix://${socket}`, {
      requestTimeoutMs: 5_000,
      pingTimeoutMs: 300,
    });
    const started = Date.now();
    await expect(runtime.ping()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('abandons any other request after the request bound, as DOCKER_UNAVAILABLE', async () => {
    const runtime = DockerRuntime.connect(`unix://${socket}`, { requestTimeoutMs: 300, pingTimeoutMs: 300 });
    await expect(runtime.inspect('ws-00000000-000')).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    await expect(runtime.stop('ws-00000000-000', 1)).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });
});
