// The HTTP API over real HTTP, against the real handler, a real Postgres and the real engine:
// a recovery with `Prefer: wait`, idempotent replays (twenty at once: one run), a wait that
// times out into a 202, tokens (missing, unknown, revoked), clients outside their grant, the
// problem details of every error it can be made to answer, and the fleet path (a replica with
// no Docker, an agent of the engine doing the work). Every response is checked against the
// committed OpenAPI document, and /api/v1/openapi.json must be that document.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler } from '../../src/api/handler.js';
import { createToken, revokeTokens } from '../../src/api/tokens.js';
import { type CoreDeps, localExecutor, type RecoveryResult, workspaceHistory } from '../../src/core/index.js';
import { bodyCap, handlerServer, MAX_BODY_BYTES } from '../../src/http/server.js';
import { noDocker } from '../../src/work/no-docker.js';
import { agentsExecutor } from '../../src/work/tasks/agents-executor.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { agentUp, placementOf, until } from '../helpers/fleet-rig.js';
import { checkResponse } from '../helpers/openapi-check.js';
import type { Proc } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const POLICY = `
repos:
  - repo: acme/platform
    workspaces: all
clients:
  - name: provisioner
    workspaces: all
    may: [recover, diagnose]
  - name: narrow
    workspaces: {names: ["team-a *"]}
  - name: limited
    workspaces: all
`;

let world: TestWorld;
const servers: http.Server[] = [];
const tokens: Record<string, string> = {};
let url: string;

async function serve(deps: CoreDeps, executor = () => localExecutor(deps)) {
  const api = apiHandler({ deps, executor });
  const server = handlerServer([bodyCap(MAX_BODY_BYTES), api], (e) => {
    throw e;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, api };
}

interface Call {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** One call, its response checked against the OpenAPI document. */
async function call(
  method: string,
  route: string,
  o: { token?: string | null; key?: string; wait?: number; body?: unknown; base?: string } = {},
): Promise<Call> {
  const headers: Record<string, string> = {};
  const token = o.token === undefined ? tokens.provisioner : o.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (o.key) headers['idempotency-key'] = o.key;
  if (o.wait) headers.prefer = `wait=${o.wait}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${o.base ?? url}/api/v1${route}`, {
    method,
    headers,
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  checkResponse(method, `/api/v1${route}`, res.status, res.headers.get('content-type') ?? '', body);
  return { status: res.status, headers: res.headers, body };
}

const recover = (
  target: string,
  o: { key?: string; wait?: number; token?: string | null; base?: string; body?: object } = {},
) => call('POST', '/recoveries', { ...o, key: o.key ?? randomUUID(), body: { target, ...o.body } });

async function apiRuns(workspaceId: string): Promise<number> {
  const { rows } = await world.db.query(
    "SELECT count(*)::int AS n FROM medic.runs WHERE workspace_id = $1::uuid AND source = 'api'",
    [workspaceId],
  );
  return (rows[0] as { n: number }).n;
}

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db, POLICY);
  for (const client of ['provisioner', 'narrow', 'ghost', 'limited']) {
    tokens[client] = (await createToken(world.db, client, 'test')).token;
  }
  const revoked = await createToken(world.db, 'provisioner', 'test');
  await revokeTokens(world.db, revoked.prefix);
  tokens.revoked = revoked.token;
  url = (await serve(world.deps({ MEDIC_STOP_TIMEOUT_S: '3', MEDIC_API_CALLS_PER_MINUTE: '1000' }))).url;
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.close();
  await world?.close();
});

describe('POST /api/v1/recoveries', () => {
  it('recovers a broken workspace and answers the result; the same call again is the same run, nothing touched', async () => {
    const ws = await world.broken();
    const first = await recover(ws.container, { key: 'k1', wait: 30 });
    expect(first.status).toBe(200);
    const result = first.body as unknown as RecoveryResult;
    expect(result).toMatchObject({ outcome: 'recovered', source: 'api', actor: 'provisioner' });
    expect(first.headers.get('location')).toBe(`/api/v1/recoveries/${result.runId}`);
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    expect(await world.status(ws.id)).toBe('online');

    const again = await recover(ws.container, { key: 'k1', wait: 30 });
    expect(again.status).toBe(200);
    expect(again.body.runId).toBe(result.runId);
    expect(await apiRuns(ws.id)).toBe(1);

    const read = await call('GET', `/recoveries/${result.runId}`);
    expect(read.body).toEqual(result);
    const trail = await workspaceHistory(world.db, ws.id);
    expect(trail[0]).toMatchObject({ run_id: result.runId, source: 'api', actor: 'provisioner' });
    const listed = await call('GET', `/workspaces/${ws.container}/runs`);
    expect((listed.body.runs as { runId: string }[])[0]?.runId).toBe(result.runId);
  });

  it('runs twenty identical calls at once (one key) as one run', async () => {
    const ws = await world.broken();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => recover(ws.container, { key: `twenty-${ws.id}`, wait: 30 })),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.body.runId)).size).toBe(1);
    expect(await apiRuns(ws.id)).toBe(1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const ws = await world.broken();
    await recover(ws.container, { key: `reuse-${ws.id}`, wait: 30 });
    const other = await recover(ws.container, { key: `reuse-${ws.id}`, body: { dryRun: true } });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  });

  it('answers 202 with the steps so far when the run outlasts Prefer: wait, and the result later', async () => {
    // PID 1 ignores SIGTERM: the stop waits out MEDIC_STOP_TIMEOUT_S (3 s) before the kill.
    const ws = await world.broken({ cmd: ['sleep', '3600'] });
    const accepted = await recover(ws.container, { key: `slow-${ws.id}`, wait: 1 });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('preference-applied')).toBe('wait=1');
    const runId = accepted.body.runId as string;
    expect(accepted.headers.get('location')).toBe(`/api/v1/recoveries/${runId}`);
    expect(accepted.body.state).toMatch(/^(accepted|running)$/);
    let done: Call | undefined;
    await until('the slow run ends', 30_000, async () => {
      done = await call('GET', `/recoveries/${runId}`);
      return 'outcome' in done.body;
    });
    expect(done?.body).toMatchObject({ runId, outcome: 'recovered' });
  });

  it('answers 409 LEASE_HELD with Retry-After while another run holds the workspace', async () => {
    const ws = await world.broken();
    const held = await world.holdLease(ws.id);
    try {
      const busy = await recover(ws.container, { key: 'busy-1', wait: 10 });
      expect(busy.status).toBe(409);
      expect(busy.body).toMatchObject({ code: 'LEASE_HELD' });
      expect((busy.body.result as RecoveryResult).outcome).toBe('busy');
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await held.release();
    }
    // [defaults] Retried with the same key, as docs/api.md says, once the other run ended: a
    // fresh answer (the workspace as it is now), not the stored LEASE_HELD.
    await until('the busy answer is settled', 10_000, async () => {
      const again = await recover(ws.container, { key: 'busy-1', wait: 30 });
      return again.status === 200 && again.body.outcome === 'recovered';
    });
    expect(await world.status(ws.id)).toBe('online');
  });

  it('[defaults] runs at most MEDIC_API_MAX_RUNS at once: beyond, 503 API_BUSY with Retry-After, nothing started', async () => {
    const narrow = await serve(
      world.deps({ MEDIC_STOP_TIMEOUT_S: '3', MEDIC_API_CALLS_PER_MINUTE: '1000', MEDIC_API_MAX_RUNS: '1' }),
    );
    const slow = await world.broken({ cmd: ['sleep', '3600'] }); // its stop takes 3 s
    const other = await world.broken();
    const first = await recover(slow.container, { base: narrow.url });
    expect(first.status).toBe(202);
    const refused = await recover(other.container, { base: narrow.url, key: 'beyond-1' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'API_BUSY' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await apiRuns(other.id)).toBe(0);
    await narrow.api.idle();
    // The same key later starts it: nothing was kept for it.
    expect(
      (await recover(other.container, { base: narrow.url, key: 'beyond-1', wait: 30 })).body,
    ).toMatchObject({
      outcome: 'recovered',
    });
  });

  it('[defaults] answers a call the policy refuses at once with 403, without Prefer: wait', async () => {
    const ws = await world.broken({ name: 'team-b worker' });
    const outside = await recover(ws.container, { token: tokens.narrow!, key: 'refused-1' });
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'WORKSPACE_NOT_GRANTED' });
    // A refusal is final: the same key is the same answer.
    const again = await recover(ws.container, { token: tokens.narrow!, key: 'refused-1' });
    expect(again.body).toMatchObject({ code: 'WORKSPACE_NOT_GRANTED', runId: outside.body.runId });
  });
});

describe('tokens and grants', () => {
  it('answers 401 without a token, with an unknown one and with a revoked one, and runs nothing', async () => {
    const ws = await world.broken();
    for (const token of [
      null,
      'medic_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      tokens.revoked!,
    ]) {
      const denied = await recover(ws.container, { token, wait: 5 });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer');
      expect(denied.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(await world.status(ws.id)).toBe('failed');
    expect(await apiRuns(ws.id)).toBe(0);
  });

  it('refuses a client outside its grant, records the refusal with source api, and changes nothing', async () => {
    const ws = await world.broken({ name: 'team-b worker' });
    const outside = await recover(ws.container, { token: tokens.narrow!, wait: 10 });
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'WORKSPACE_NOT_GRANTED' });
    const ghost = await recover(ws.container, { token: tokens.ghost!, wait: 10 });
    expect(ghost.body).toMatchObject({ code: 'CLIENT_NOT_GRANTED', status: 403 });
    const force = await recover(ws.container, { wait: 10, body: { force: true } });
    expect(force.body).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    const runs = await call('GET', `/workspaces/${ws.container}/runs`, { token: tokens.narrow! });
    expect(runs.body).toMatchObject({ code: 'WORKSPACE_NOT_GRANTED' });
    expect(await world.status(ws.id)).toBe('failed');
    const trail = await workspaceHistory(world.db, ws.id);
    expect(trail.map((r) => [r.source, r.actor, r.outcome])).toEqual(
      expect.arrayContaining([
        ['api', 'narrow', 'refused'],
        ['api', 'ghost', 'refused'],
        ['api', 'provisioner', 'refused'],
      ]),
    );
    const inside = await world.broken({ name: 'team-a worker' });
    expect((await recover(inside.container, { token: tokens.narrow!, wait: 30 })).status).toBe(200);
  });

  it('lets a client read only the runs it started', async () => {
    const ws = await world.broken();
    const mine = await recover(ws.container, { wait: 30 });
    const theirs = await call('GET', `/recoveries/${mine.body.runId}`, { token: tokens.narrow! });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('answers 429 RATE_LIMITED with Retry-After past the calls per minute, counting every call', async () => {
    const limited = await serve(world.deps({ MEDIC_API_CALLS_PER_MINUTE: '3' }));
    const statuses: number[] = [];
    let last: Call | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call('POST', '/diagnoses', {
        base: limited.url,
        token: tokens.limited!,
        body: { targets: ['ws-00000000-000'] },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last?.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    const { rows } = await world.db.query(
      "SELECT status FROM medic.api_calls WHERE client = 'limited' ORDER BY id",
    );
    expect(rows.map((r) => (r as { status: number }).status)).toEqual([200, 200, 200, 429, 429]);
  });
});

describe('problem details', () => {
  it("keeps the user's files by default and says so in the result (restore.source fill)", async () => {
    const ws = await world.broken({ stray: { 'skills/README.md': 'mine\n' } });
    const answer = await recover(ws.container, { wait: 30 });
    expect(answer.body.restore).toMatchObject({ source: 'fill' });
    expect(await world.cat(ws.volume, 'skills/README.md')).toBe('mine\n');
    const bad = await recover(ws.container, { body: { from: 'yesterday' } });
    expect(bad.status).toBe(400);
  });

  it('answers each error as application/problem+json with its code and status', async () => {
    const cases: Array<[Promise<Call>, number, string]> = [
      [recover('nope'), 400, 'INVALID_TARGET'],
      [recover('ws-ffffffff-fff', { wait: 5 }), 404, 'WORKSPACE_NOT_FOUND'],
      [call('POST', '/recoveries', { body: { target: 'ws-00000000-000' } }), 400, 'INVALID_REQUEST'],
      [
        call('POST', '/recoveries', { key: 'x', body: { target: 'ws-00000000-000', extra: 1 } }),
        400,
        'INVALID_REQUEST',
      ],
      [call('POST', '/diagnoses', { body: { targets: [] } }), 400, 'INVALID_REQUEST'],
      [call('GET', `/recoveries/${randomUUID()}`), 404, 'RUN_NOT_FOUND'],
      [call('GET', '/workspaces/nope/runs'), 400, 'INVALID_TARGET'],
    ];
    for (const [pending, status, code] of cases) {
      const answer = await pending;
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.type).toBe(`urn:workspace-medic:error:${code}`);
    }
  });

  it('a run that fails is a problem that carries the result (TEMPLATE_NOT_FOUND)', async () => {
    const ws = await world.broken({ runtime: 'nosuch' });
    const failed = await recover(ws.container, { wait: 30 });
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', runId: expect.any(String) });
    expect((failed.body.result as RecoveryResult).outcome).toBe('failed');
  });

  it('diagnoses several targets, each with its diagnosis or its error', async () => {
    const ws = await world.broken();
    const answer = await call('POST', '/diagnoses', { body: { targets: [ws.container, 'nope'] } });
    expect(answer.status).toBe(200);
    const [found, bad] = answer.body.diagnoses as {
      diagnosis: { verdict: string } | null;
      error: { code: string } | null;
    }[];
    expect(found?.diagnosis?.verdict).toBe('needs-seed');
    expect(bad?.error?.code).toBe('INVALID_TARGET');
  });

  it('serves its OpenAPI document: the committed docs/openapi.json', async () => {
    const res = await fetch(`${url}/api/v1/openapi.json`);
    const committed = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8'),
    );
    expect(await res.json()).toEqual(committed);
  });
});

describe('the fleet path', () => {
  let agent: Proc | undefined;
  afterAll(async () => {
    await agent?.stop();
  });

  it('a replica with no Docker hands the call to the agent of the engine, which recovers it (from: template crosses too)', async () => {
    const ws = await world.broken({ stray: { 'skills/README.md': 'mine\n' } });
    agent = await agentUp(world.db, 'api-a', {
      DATABASE_URL: world.url,
      DOCKER_HOST: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
    });
    await until(
      'the agent places the workspace',
      30_000,
      async () => (await placementOf(world.db, ws.container)) !== null,
    );
    const replica = { ...world.deps({ MEDIC_API_CALLS_PER_MINUTE: '1000' }), runtime: noDocker };
    const fleet = await serve(replica, () =>
      agentsExecutor(replica, `api:${randomUUID()}`, { waitS: 30, pollMs: 100 }),
    );
    const asked = { base: fleet.url, key: `fleet-${ws.id}`, wait: 30, body: { from: 'template' } };
    const answer = await recover(ws.container, asked);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'recovered', source: 'api', actor: 'provisioner' });
    expect(answer.body.restore).toMatchObject({ source: 'template' });
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    expect(await world.cat(ws.volume, 'skills/README.md')).not.toBe('mine\n');
    const again = await recover(ws.container, asked);
    expect(again.body.runId).toBe(answer.body.runId);
    expect(await apiRuns(ws.id)).toBe(1);
  }, 90_000);
});
