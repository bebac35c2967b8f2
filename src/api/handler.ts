// /api/v1: the platform's own door (docs/api.md). A provisioner that is about to mark a
// workspace failed asks medic to recover it, with a bearer token of a client the operator's
// policy lists; the call runs through the same core, policy and audit trail as a command
// typed by a person (source `api`, actor the client's name). POST /recoveries is idempotent
// by its Idempotency-Key (the same key and body within 24 h: the same run, never a second);
// `Prefer: wait=N` holds the answer up to N seconds for the result. Errors are RFC 9457
// problem details with medic's code. Every call, refused or not, is a row in medic.api_calls;
// the per-client rate limit counts them.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  asMedicError,
  type CoreDeps,
  type Executor,
  history,
  InvalidRequestError,
  MedicError,
} from '../core/index.js';
import type { Handler } from '../http/server.js';
import { type Answer, bearerOf, bodyOf, failure, reply } from './http-io.js';
import { problem } from './problem.js';
import { Recoveries } from './recoveries.js';
import { finishCall, takeCallSlot } from './request-store.js';
import { API_BASE, diagnosesRequestSchema, recoveryRequestSchema } from './schemas.js';
import { strangerGate } from './strangers.js';
import { authenticate } from './tokens.js';

export interface ApiOptions {
  readonly deps: CoreDeps;
  /** Where a call's work runs; `scope` keys it (an agent's task is found again by it). */
  readonly executor: (scope: string) => Executor;
}

export interface ApiHandler extends Handler {
  /** Resolves once every run started here has ended (shutdown); with `withinMs`, then stops them at a safe point. */
  idle(o?: { readonly withinMs?: number }): Promise<void>;
}

export function apiHandler(o: ApiOptions): ApiHandler {
  const api: Api = { ...o, recoveries: new Recoveries(o.deps, o.executor), strangers: strangerGate() };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname !== API_BASE && !url.pathname.startsWith(`${API_BASE}/`)) return false;
    const call: Call = {
      req,
      url,
      path: url.pathname.slice(API_BASE.length) || '/',
      method: req.method ?? 'GET',
    };
    if (call.path === '/openapi.json' && call.method === 'GET') {
      const { openApiDocument } = await import('./openapi.js');
      return reply(res, { status: 200, body: openApiDocument() });
    }
    const admitted = await admitCall(api, call);
    if ('refused' in admitted) return reply(res, admitted.refused);
    const answer = await route(api, admitted.client, call).catch((error: unknown) =>
      failure(error, api.deps),
    );
    reply(res, answer);
    // The call's record is completed after the answer is sent: it is not the caller's wait.
    const body = answer.body as { code?: string };
    await finishCall(api.deps.db, admitted.slotId, {
      status: answer.status,
      code: answer.status >= 400 ? (body.code ?? null) : null,
      runId: answer.runId ?? null,
    }).catch((e: unknown) =>
      api.deps.logger.warn({ err: (e as Error).message }, 'could not record an API call'),
    );
    return true;
  };
  return Object.assign(handler, { idle: (w?: { readonly withinMs?: number }) => api.recoveries.idle(w) });
}

interface Api extends ApiOptions {
  readonly recoveries: Recoveries;
  readonly strangers: ReturnType<typeof strangerGate>;
}

interface Call {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly path: string;
  readonly method: string;
}

// Before any work: an address that keeps failing to authenticate waits, a call without a valid
// token is refused, a client over its rate limit waits; a call let through has its row.
async function admitCall(
  api: Api,
  { req, path, method }: Call,
): Promise<{ refused: Answer } | { client: string; slotId: number }> {
  const { deps } = api;
  const from = req.socket.remoteAddress ?? 'unknown';
  const blocked = api.strangers.blockedFor(from, deps.clock.now().getTime());
  if (blocked !== null) {
    const p = problem(
      'RATE_LIMITED',
      `too many calls without a valid token from ${from} in the last minute`,
      {
        hint: 'wait as long as Retry-After says, with a valid token',
      },
    );
    return { refused: { status: 429, body: p, headers: { 'retry-after': String(blocked) } } };
  }
  const client = await authenticate(deps.db, bearerOf(req));
  if (!client) {
    if (api.strangers.failed(from, deps.clock.now().getTime())) {
      deps.logger.warn(
        { method, path, from },
        'API call without a valid token (further ones from this address this minute are not logged)',
      );
    }
    const p = problem('UNAUTHENTICATED', 'this call needs Authorization: Bearer <token> with a valid token', {
      hint: 'an operator makes one with `medic token create <client>`',
    });
    return { refused: { status: p.status, body: p, headers: { 'www-authenticate': 'Bearer' } } };
  }
  const perMinute = deps.config.apiCallsPerMinute;
  const slot = await takeCallSlot(deps.db, { client, method, path }, perMinute);
  if ('retryAfterS' in slot) {
    const p = problem('RATE_LIMITED', `${client} has made ${perMinute} calls in the last minute`, {
      hint: 'wait as long as Retry-After says',
    });
    return { refused: { status: 429, body: p, headers: { 'retry-after': String(slot.retryAfterS) } } };
  }
  return { client, slotId: slot.id };
}

async function route(api: Api, client: string, { req, url, path, method }: Call): Promise<Answer> {
  if (path === '/recoveries' && method === 'POST') {
    return api.recoveries.post(client, await bodyOf(req, recoveryRequestSchema), req);
  }
  const run = /^\/recoveries\/([^/]+)$/.exec(path);
  if (run && method === 'GET') return api.recoveries.get(client, pathPart(run[1]!));
  if (path === '/diagnoses' && method === 'POST') {
    return diagnose(api, client, (await bodyOf(req, diagnosesRequestSchema)).targets);
  }
  const runs = /^\/workspaces\/([^/]+)\/runs$/.exec(path);
  if (runs && method === 'GET') {
    const limit = Number(url.searchParams.get('limit') ?? 50);
    return runsOf(
      api,
      client,
      pathPart(runs[1]!),
      Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50,
    );
  }
  const known = ['/recoveries', '/diagnoses'].includes(path) || run || runs;
  const p = problem(
    'INVALID_REQUEST',
    known ? `${method} is not allowed on ${API_BASE}${path}` : `no operation at ${API_BASE}${path}`,
    { status: known ? 405 : 404, hint: `the operations are listed in ${API_BASE}/openapi.json` },
  );
  return { status: p.status, body: p };
}

const requestOf = (client: string) => ({ actor: client, source: 'api' as const, client: { name: client } });

// POST /diagnoses: each target's diagnosis, or its error, in the order asked.
async function diagnose(api: Api, client: string, targets: readonly string[]): Promise<Answer> {
  const diagnoses = [];
  for (const target of targets) {
    const found = await api
      .executor(`api:${client}:diagnose:${randomUUID()}`)
      .diagnose(target, { list: false, request: requestOf(client) })
      .catch((e: unknown) => asMedicError(e));
    diagnoses.push(
      found instanceof MedicError
        ? { target, diagnosis: null, error: { code: found.code, message: found.message } }
        : { target, diagnosis: found, error: null },
    );
  }
  return { status: 200, body: { diagnoses } };
}

// GET /workspaces/{target}/runs: the workspace's runs, newest first, with their steps.
async function runsOf(api: Api, client: string, target: string, limit: number): Promise<Answer> {
  const entries = await history(api.deps, target, limit, requestOf(client));
  const runs = entries.map((e) => ({
    runId: e.run_id,
    command: e.command,
    source: e.source,
    actor: e.actor,
    reason: e.reason,
    state: e.state,
    outcome: e.outcome,
    errorCode: e.error_code,
    startedAt: e.started_at.toISOString(),
    finishedAt: e.finished_at?.toISOString() ?? null,
    steps: e.steps,
  }));
  return { status: 200, body: { runs } };
}

/** A path segment decoded; a malformed one (`%zz`) is the caller's error, answered 400. */
function pathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidRequestError(
      `"${raw.slice(0, 80)}" is not a valid path segment (bad percent-encoding)`,
      {
        hint: 'percent-encode the run id or target as RFC 3986 says',
      },
    );
  }
}
