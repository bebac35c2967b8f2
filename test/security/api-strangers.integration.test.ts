// [contain]: the HTTP API says little to strangers. Over real HTTP against the real handler and
// Postgres: a malformed path is 400, not 500; a token nobody holds costs no write and, past a
// few a minute from one address, is answered 429 with Retry-After before any lookup; INTERNAL
// and the database's details stay out of problem details (the stored result keeps them).
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler } from '../../src/api/handler.js';
import { failure } from '../../src/api/http-io.js';
import { problem } from '../../src/api/problem.js';
import { STRANGER_FAILURES } from '../../src/api/strangers.js';
import { createToken } from '../../src/api/tokens.js';
import { DatabaseUnavailableError, localExecutor, type RecoveryResult } from '../../src/core/index.js';
import { bodyCap, handlerServer, MAX_BODY_BYTES } from '../../src/http/server.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
let server: http.Server;
let url: string;
let token: string;
const statements: string[] = [];

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(
    world.db,
    'repos:\n  - repo: acme/platform\n    workspaces: all\nclients:\n  - name: provisioner\n    workspaces: all\n    may: [recover, diagnose]\n',
  );
  token = (await createToken(world.db, 'provisioner', 'alice')).token;
  const base = world.deps();
  // Every statement the API sends, seen from outside it.
  const db = {
    ...base.db,
    query: (sql: string, params?: readonly unknown[]) => {
      statements.push(sql);
      return base.db.query(sql, params);
    },
  };
  const deps = { ...base, db };
  server = handlerServer(
    [bodyCap(MAX_BODY_BYTES), apiHandler({ deps, executor: () => localExecutor(deps) })],
    (e) => {
      throw e;
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
}, 60_000);
afterAll(async () => {
  server?.close();
  await world?.close();
});

const get = (route: string, bearer: string | null = token) =>
  fetch(`${url}${route}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe('the API says little to strangers', () => {
  it('answers a malformed path with 400, not 500', async () => {
    const res = await get('/recoveries/%zz');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_REQUEST');
    expect((await get('/workspaces/%E0%A4%A/runs')).status).toBe(400);
  });

  it('an unknown token costs no write, and an address that keeps trying is answered 429 with Retry-After', async () => {
    statements.length = 0;
    const statuses: number[] = [];
    for (let i = 0; i < STRANGER_FAILURES + 2; i++) {
      statuses.push((await get('/recoveries/x', `medic_deadbeef_${'A'.repeat(43)}`)).status);
    }
    expect(statuses.slice(0, STRANGER_FAILURES)).toEqual(Array(STRANGER_FAILURES).fill(401));
    expect(statuses.slice(STRANGER_FAILURES)).toEqual([429, 429]);
    // One read per token tried, none once the address is held back, and no write at all.
    expect(statements).toHaveLength(STRANGER_FAILURES);
    expect(statements.filter((sql) => /^\s*(WITH|UPDATE|INSERT|DELETE)/i.test(sql))).toEqual([]);
    const limited = await get('/recoveries/x', `medic_deadbeef_${'B'.repeat(43)}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A valid token from elsewhere is not held back by it (the gate counts per address).
    expect(statements).toHaveLength(STRANGER_FAILURES);
  });

  it('masks INTERNAL and DATABASE_UNAVAILABLE in problem details; the result keeps what happened', () => {
    const db = new DatabaseUnavailableError(
      'cannot use Postgres at postgres://medic:***@db.internal:5432/medic: ECONNREFUSED',
    );
    const answer = failure(db, world.deps());
    const body = answer.body as { detail: string; hint?: string };
    expect(body.detail).not.toMatch(/db\.internal|medic:|5432/);
    const result = {
      runId: 'r',
      outcome: 'failed',
      error: { code: 'INTERNAL', message: 'relation "medic.x" does not exist; password=hunter2' },
      steps: [{ name: 'seed', status: 'failed', ms: 1, detail: 'password=hunter2 at /srv/x' }],
    } as unknown as RecoveryResult;
    const p = problem('INTERNAL', result.error!.message, { result });
    expect(JSON.stringify(p)).not.toMatch(/hunter2|medic\.x|\/srv/);
    expect(result.error!.message).toContain('hunter2'); // the stored result is untouched
  });
});
