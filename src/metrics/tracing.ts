// [pager] Runs as traces, with the official OpenTelemetry SDK, exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, honouring the
// standard OTEL_* variables (OTEL_EXPORTER_OTLP_PROTOCOL `http/protobuf`, the default, or
// `http/json`; OTEL_SERVICE_NAME; OTEL_EXPORTER_OTLP_HEADERS; OTEL_SDK_DISABLED). Unset, nothing
// is loaded: the SDK is imported only here, and only then, so a CLI command starts as fast.
// Each finished run is one span (`medic <command>`) with one child span per step, timed from
// the result (its steps run one after another), under the caller's `traceparent` when given.
// Work handed to an agent is a `medic dispatch` span whose traceparent the task carries, so
// the agent's run joins the trace of the process that handed it over.
import type { RecoveryResult, RunTracer } from '../core/index.js';

type OtelApi = typeof import('@opentelemetry/api');
type Tracer = import('@opentelemetry/api').Tracer;

/** A tracer for this process, or null when no OTLP endpoint is configured. */
export async function openTracer(
  env: Readonly<Record<string, string | undefined>>,
  serviceName: string,
  /** Said of every span of this process (an agent's `medic.engine`). */
  resource: Record<string, string> = {},
): Promise<RunTracer | null> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint?.trim() || env.OTEL_SDK_DISABLED === 'true') return null;
  // The signal's own endpoint as given, else the base endpoint's /v1/traces (the specification's rule).
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || `${endpoint.trim().replace(/\/$/, '')}/v1/traces`;
  const json = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL) === 'http/json';
  const [api, sdk, resources, exporter] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    json
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME ?? serviceName,
      ...resource,
    }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new exporter.OTLPTraceExporter({ url }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('workspace-medic');
  return {
    handOff: (name, o) => handOff(api, tracer, name, o),
    run: (r, o) => {
      try {
        traceRun(api, tracer, r, o);
      } catch {
        // A trace is never worth a run: a span that cannot be made is left out.
      }
    },
    flush: () => provider.forceFlush().catch(() => undefined),
  };
}

// The caller's span, from a W3C traceparent (none, or a malformed one: a new trace).
function parentOf(api: OtelApi, traceparent: string | null | undefined) {
  const m = traceparent ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent) : null;
  return m
    ? api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId: m[1]!,
        spanId: m[2]!,
        traceFlags: Number.parseInt(m[3]!, 16) & 1,
        isRemote: true,
      })
    : api.ROOT_CONTEXT;
}

// A finished run: its span, and one child span per step, one after another.
function traceRun(
  api: OtelApi,
  tracer: Tracer,
  r: RecoveryResult,
  o: { readonly traceparent?: string | null },
) {
  const started = Date.parse(r.startedAt);
  const ended = Date.parse(r.finishedAt);
  const attributes = {
    'medic.run_id': r.runId,
    'medic.command': r.command,
    'medic.source': r.source,
    'medic.actor': r.actor,
    'medic.workspace': r.workspace.container,
    'medic.runtime': r.workspace.runtime ?? '',
    'medic.outcome': r.outcome,
    'medic.error_code': r.error?.code ?? '',
  };
  const span = tracer.startSpan(
    `medic ${r.command}`,
    { startTime: started, attributes, kind: api.SpanKind.INTERNAL },
    parentOf(api, o.traceparent),
  );
  if (r.outcome === 'failed')
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: r.error?.code ?? 'failed' });
  const inRun = api.trace.setSpan(api.ROOT_CONTEXT, span);
  let at = started;
  for (const step of r.steps) {
    const s = tracer.startSpan(
      step.name,
      {
        startTime: at,
        attributes: {
          'medic.step': step.name,
          'medic.step.status': step.status,
          'medic.workspace': r.workspace.container,
          'medic.outcome': r.outcome,
          ...(step.status === 'failed' && r.error ? { 'medic.error_code': r.error.code } : {}),
        },
      },
      inRun,
    );
    if (step.status === 'failed')
      s.setStatus({ code: api.SpanStatusCode.ERROR, message: step.detail.slice(0, 200) });
    at = Math.min(at + step.ms, Math.max(ended, at));
    s.end(at);
  }
  span.end(Math.max(ended, at));
}

// Work handed to another process: a producer span whose traceparent the work carries.
function handOff(api: OtelApi, tracer: Tracer, ...[name, o]: Parameters<RunTracer['handOff']>) {
  const span = tracer.startSpan(
    name,
    { kind: api.SpanKind.PRODUCER, attributes: { ...o.attributes } },
    parentOf(api, o.traceparent),
  );
  const c = span.spanContext();
  return {
    traceparent: `00-${c.traceId}-${c.spanId}-${c.traceFlags.toString(16).padStart(2, '0')}`,
    end: (outcome: Parameters<ReturnType<RunTracer['handOff']>['end']>[0]) => {
      span.setAttribute('medic.outcome', outcome);
      if (outcome === 'failed') span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome });
      span.end();
    },
  };
}
