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
  const { deps } = o;
  const recoveries = new Recoveries(deps, o.executor);
  const perMinute = deps.config.apiCallsPerMinute;
  const strangers = strangerGate();

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname !== API_BASE && !url.pathname.startsWith(`${API_BASE}/`)) return false;
    const path = url.pathname.slice(API_BASE.length) || '/';
    const method = req.method ?? 'GET';
    if (path === '/openapi.json' && method === 'GET') {
      const { openApiDocument } = await import('./openapi.js');
      return reply(res, { status: 200, body: openApiDocument() });
    }
    const from = req.socket.remoteAddress ?? 'unknown';
    const blocked = strangers.blockedFor(from, deps.clock.now().getTime());
    if (blocked !== null) {
      const p = problem(
        'RATE_LIMITED',
        `too many calls without a valid token from ${from} in the last minute`,
        {
          hint: 'wait as long as Retry-After says, with a valid token',
        },
      );
      return reply(res, { status: 429, body: p, headers: { 'retry-after': String(blocked) } });
    }
    const client = await authenticate(deps.db, bearerOf(req));
    if (!client) {
      if (strangers.failed(from, deps.clock.now().getTime())) {
        deps.logger.warn(
          { method, path, from },
          'API call without a valid token (further ones from this address this minute are not logged)',
        );
      }
      const p = problem(
        'UNAUTHENTICATED',
        'this call needs Authorization: Bearer <token> with a valid token',
        {
          hint: 'an operator makes one with `medic token create <client>`',
        },
      );
      return reply(res, { status: p.status, body: p, headers: { 'www-authenticate': 'Bearer' } });
    }
    const slot = await takeCallSlot(deps.db, { client, method, path }, perMinute);
    if ('retryAfterS' in slot) {
      const p = problem('RATE_LIMITED', `${client} has made ${perMinute} calls in the last minute`, {
        hint: 'wait as long as Retry-After says',
      });
      return reply(res, { status: 429, body: p, headers: { 'retry-after': String(slot.retryAfterS) } });
    }
    let answer: Answer;
    try {
      answer = await route(client, method, path, req, url);
    } catch (error) {
      answer = failure(error, deps);
    }
    reply(res, answer);
    // The call's record is completed after the answer is sent: it is not the caller's wait.
    const body = answer.body as { code?: string };
    await finishCall(deps.db, slot.id, {
      status: answer.status,
      code: answer.status >= 400 ? (body.code ?? null) : null,
      runId: answer.runId ?? null,
    }).catch((e: unknown) => deps.logger.warn({ err: (e as Error).message }, 'could not record an API call'));
    return true;
  };

  const route = async (
    client: string,
    method: string,
    path: string,
    req: IncomingMessage,
    url: URL,
  ): Promise<Answer> => {
    const request = { actor: client, source: 'api' as const, client: { name: client } };
    if (path === '/recoveries' && method === 'POST') {
      return recoveries.post(client, await bodyOf(req, recoveryRequestSchema), req);
    }
    const run = /^\/recoveries\/([^/]+)$/.exec(path);
    if (run && method === 'GET') return recoveries.get(client, pathPart(run[1]!));
    if (path === '/diagnoses' && method === 'POST') {
      const { targets } = await bodyOf(req, diagnosesRequestSchema);
      const diagnoses = [];
      for (const target of targets) {
        const found = await o
          .executor(`api:${client}:diagnose:${randomUUID()}`)
          .diagnose(target, { list: false, request })
          .catch((e: unknown) => asMedicError(e));
        diagnoses.push(
          found instanceof MedicError
            ? { target, diagnosis: null, error: { code: found.code, message: found.message } }
            : { target, diagnosis: found, error: null },
        );
      }
      return { status: 200, body: { diagnoses } };
    }
    const runs = /^\/workspaces\/([^/]+)\/runs$/.exec(path);
    if (runs && method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const entries = await history(
        deps,
        pathPart(runs[1]!),
        Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50,
        request,
      );
      return {
        status: 200,
        body: {
          runs: entries.map((e) => ({
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
          })),
        },
      };
    }
    const known = ['/recoveries', '/diagnoses'].includes(path) || run || runs;
    const p = problem(
      'INVALID_REQUEST',
      known ? `${method} is not allowed on ${API_BASE}${path}` : `no operation at ${API_BASE}${path}`,
      { status: known ? 405 : 404, hint: `the operations are listed in ${API_BASE}/openapi.json` },
    );
    return { status: p.status, body: p };
  };

  return Object.assign(handler, { idle: (o?: { readonly withinMs?: number }) => recoveries.idle(o) });
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
