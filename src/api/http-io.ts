// The HTTP API's wire: answers as JSON or problem details, the bearer token, `Prefer: wait`,
// and bodies read and validated against an operation's schema.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { asMedicError, type CoreDeps, InvalidRequestError } from '../core/index.js';
import { problem, retryAfterOf } from './problem.js';
import { API_BASE, MAX_WAIT_S } from './schemas.js';

/** What an operation answers: a status, a JSON body, headers, and the run it concerns. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly runId?: string;
}

/** An error as its problem details (an unexpected one is logged, and its message kept out). */
export function failure(error: unknown, deps: CoreDeps): Answer {
  const e = asMedicError(error);
  if (e.code === 'INTERNAL' || e.code === 'DATABASE_UNAVAILABLE') {
    deps.logger.error({ code: e.code, err: e.message }, 'an API call failed');
  }
  const p = problem(e.code, e.message, { hint: e.code === 'DATABASE_UNAVAILABLE' ? null : (e.hint ?? null) });
  const retry = retryAfterOf(e.code);
  return { status: p.status, body: p, headers: retry ? { 'retry-after': String(retry) } : {} };
}

export function reply(res: ServerResponse, answer: Answer): true {
  res
    .writeHead(answer.status, {
      'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...answer.headers,
    })
    .end(JSON.stringify(answer.body));
  return true;
}

export function bearerOf(req: IncomingMessage): string {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
}

/** `Prefer: wait=N` (RFC 7240), capped at MAX_WAIT_S; 0 when absent. */
export function waitOf(req: IncomingMessage): number {
  const prefer = String(req.headers.prefer ?? '');
  const n = Number(/(?:^|[;,\s])wait=(\d+)/i.exec(prefer)?.[1] ?? 0);
  return Math.min(n, MAX_WAIT_S);
}

/**
 * The body, parsed as JSON and validated (a bad one: INVALID_REQUEST naming the field).
 * `curl -d` sends JSON as application/x-www-form-urlencoded, so that type is read as JSON too.
 */
export async function bodyOf<S extends z.ZodTypeAny>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const type = req.headers['content-type'] ?? '';
  if (type && !/^application\/(json|x-www-form-urlencoded)\b/i.test(type)) {
    throw new InvalidRequestError(`the body must be JSON (Content-Type: application/json), not ${type}`);
  }
  let text = '';
  for await (const chunk of req) text += chunk;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the body';
  throw new InvalidRequestError(`${where}: ${issue?.message ?? 'is invalid'}`, {
    hint: `see ${API_BASE}/openapi.json`,
  });
}
