// [pager] A recovery as a trace: `POST /api/v1/recoveries` with a W3C `traceparent`, handed by
// an API with no Docker to the agent of engine B (a `medic agent` process on the second
// engine, with the standard OTEL_* variables), yields the run's span under the caller's span
// and one span per step under it, exported over OTLP/HTTP (http/json) to a local receiver.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler } from '../../src/api/handler.js';
import { createToken } from '../../src/api/tokens.js';
import { createBrokenWorkspace, removeFixtures } from '../../src/demo/broken-workspace.js';
import { ensureLocalImage } from '../../src/docker/local-image.js';
import { bodyCap, handlerServer, MAX_BODY_BYTES } from '../../src/http/server.js';
import { openTracer } from '../../src/metrics/tracing.js';
import { noDocker } from '../../src/work/no-docker.js';
import { agentsExecutor } from '../../src/work/tasks/agents-executor.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { agentUp, placementOf, until } from '../helpers/fleet-rig.js';
import { collector, type OtlpSpan } from '../helpers/otlp-collector.js';
import type { Proc } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const ENGINE_B = process.env.MEDIC_TEST_DOCKER_B ?? 'unix:///run/medic-b/docker.sock';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';

let world: TestWorld;
let dockerB: Docker;
let agent: Proc | undefined;
let api: http.Server;
let tracerFlush: (() => Promise<void>) | undefined;
const otlp = collector();

beforeAll(async () => {
  world = await testWorld();
  dockerB = new Docker({ socketPath: new URL(ENGINE_B).pathname });
  await applyTestPolicy(
    world.db,
    'repos:\n  - repo: acme/platform\n    workspaces: all\nclients:\n  - name: provisioner\n    workspaces: all\n',
  );
  agent = await agentUp(
    world.db,
    'trace-b',
    {
      DATABASE_URL: world.url,
      DOCKER_HOST: ENGINE_B,
      OTEL_EXPORTER_OTLP_ENDPOINT: await otlp.url(),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'medic-agent-b',
    },
    ['--no-heal'],
  );
  // The API's process traces too (its hand-off to the agent is a span).
  const tracer = await openTracer(
    { OTEL_EXPORTER_OTLP_ENDPOINT: await otlp.url(), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    'medic-api',
  );
  tracerFlush = () => tracer!.flush();
  const replica = { ...world.deps(), runtime: noDocker, tracer: tracer! };
  const handler = apiHandler({
    deps: replica,
    executor: () => agentsExecutor(replica, `trace:${crypto.randomUUID()}`, { waitS: 30, pollMs: 100 }),
  });
  api = handlerServer([bodyCap(MAX_BODY_BYTES), handler], (e) => {
    throw e;
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await tracerFlush?.();
  await new Promise((r) => api?.close(r));
  await otlp.close();
  if (dockerB && world) await removeFixtures(dockerB, world.label);
  await world?.close();
}, 60_000);

/** A broken workspace on engine B, placed by its agent. */
async function brokenOnB() {
  const ws = await createBrokenWorkspace(dockerB, world.db, {
    image: await ensureLocalImage(dockerB),
    labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
  });
  await until(
    'placed on engine B',
    30_000,
    async () => (await placementOf(world.db, ws.container)) === 'trace-b',
  );
  return ws;
}

/** POST /api/v1/recoveries, with `traceparent` when given. */
async function post(target: string, traceparent?: string) {
  const { token } = await createToken(world.db, 'provisioner', 'test');
  const res = await fetch(`http://127.0.0.1:${(api.address() as AddressInfo).port}/api/v1/recoveries`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'idempotency-key': crypto.randomUUID(),
      prefer: 'wait=30',
      'content-type': 'application/json',
      ...(traceparent ? { traceparent } : {}),
    },
    body: JSON.stringify({ target }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { outcome: string; runId: string; steps: Array<{ name: string }> };
}

const runIdOf = (s: OtlpSpan) => s.attributes?.find((a) => a.key === 'medic.run_id')?.value.stringValue;

describe('a recovery as a trace', () => {
  it("joins the caller's trace: the API's hand-off under its span, the agent's run under that, one span per step", async () => {
    const ws = await brokenOnB();
    const result = await post(ws.container, `00-${TRACE}-${CALLER}-01`);
    expect(result.outcome).toBe('recovered');
    await until(
      'the spans exported',
      20_000,
      async () => otlp.spans.filter((s) => s.traceId === TRACE).length >= 2 + result.steps.length,
    );
    const inTrace = otlp.spans.filter((s) => s.traceId === TRACE);
    const handOff = inTrace.find((s) => s.name === 'medic dispatch recover')!;
    expect(handOff).toMatchObject({ parentSpanId: CALLER, service: 'medic-api' });
    const run = inTrace.find((s) => s.name === 'medic recover')!;
    expect(run).toMatchObject({ parentSpanId: handOff.spanId, service: 'medic-agent-b' });
    expect(runIdOf(run)).toBe(result.runId);
    const steps = inTrace.filter((s) => s.parentSpanId === run.spanId);
    expect(steps.map((s) => s.name)).toEqual(result.steps.map((s) => s.name));
    expect(inTrace).toHaveLength(2 + result.steps.length);
  }, 90_000);

  it("without a caller's traceparent, the agent's run joins the API's own trace across the queue", async () => {
    const ws = await brokenOnB();
    const result = await post(ws.container);
    await until('the run exported', 20_000, async () => otlp.spans.some((s) => runIdOf(s) === result.runId));
    const run = otlp.spans.find((s) => runIdOf(s) === result.runId)!;
    await until('the hand-off exported', 20_000, async () =>
      otlp.spans.some((s) => s.spanId === run.parentSpanId),
    );
    const handOff = otlp.spans.find((s) => s.spanId === run.parentSpanId);
    expect(handOff).toMatchObject({
      name: 'medic dispatch recover',
      traceId: run.traceId,
      service: 'medic-api',
    });
    expect(handOff!.parentSpanId ?? '').toBe('');
  }, 90_000);
});
