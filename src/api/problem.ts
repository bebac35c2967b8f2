// Errors as RFC 9457 problem details: `application/problem+json` carrying medic's stable error
// `code` (and the run's id and result when a run was made), with the HTTP status each code
// maps to here, and `Retry-After` where waiting is the answer.
import { ERROR_CATALOG, nextStep, type RecoveryResult } from '../core/index.js';

/** The status every code is answered with (a code not listed: 500). */
const STATUS: Readonly<Record<string, number>> = {
  INVALID_TARGET: 400,
  INVALID_REQUEST: 400,
  INVALID_RUNTIME: 422,
  UNAUTHENTICATED: 401,
  CLIENT_NOT_GRANTED: 403,
  WORKSPACE_NOT_GRANTED: 403,
  PERMISSION_DENIED: 403,
  APPROVAL_REQUIRED: 403,
  REPO_NOT_GRANTED: 403,
  WORKSPACE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  AMBIGUOUS_WORKSPACE: 409,
  LEASE_HELD: 409,
  STATUS_NOT_RECOVERABLE: 409,
  STATUS_CHANGED: 409,
  RESTART_BUDGET_EXCEEDED: 409,
  BREAKER_OPEN: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  TEMPLATE_NOT_FOUND: 422,
  TEMPLATE_ESCAPE: 422,
  TEMPLATE_INVALID: 422,
  TEMPLATE_TOO_LARGE: 422,
  CONTAINER_NOT_FOUND: 422,
  CONFIG_MOUNT_MISSING: 422,
  SNAPSHOT_TOO_LARGE: 422,
  NO_SNAPSHOT: 422,
  SNAPSHOT_INVALID: 422,
  TOO_MANY_TARGETS: 400,
  RATE_LIMITED: 429,
  CONTAINER_START_FAILED: 502,
  START_TIMEOUT: 504,
  DOCKER_ERROR: 502,
  DOCKER_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_IN_USE: 503,
  API_BUSY: 503,
  INTERRUPTED: 503,
  ENGINE_UNAVAILABLE: 503,
  WORKSPACE_NOT_PLACED: 503,
  GITHUB_UNAVAILABLE: 503,
  LEASE_LOST: 503,
  TASK_LOST: 503,
};

/** Codes where the same call later may succeed: answered with `Retry-After`. */
const RETRY_AFTER_S: Readonly<Record<string, number>> = {
  LEASE_HELD: 5,
  RATE_LIMITED: 60,
  API_BUSY: 5,
  DOCKER_UNAVAILABLE: 10,
  DATABASE_UNAVAILABLE: 10,
  ENGINE_UNAVAILABLE: 10,
  WORKSPACE_NOT_PLACED: 30,
  LEASE_LOST: 5,
  TASK_LOST: 5,
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 500;
}

export function retryAfterOf(code: string): number | null {
  return RETRY_AFTER_S[code] ?? null;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly hint?: string;
  readonly runId?: string;
  readonly result?: RecoveryResult;
}

/**
 * Codes whose message tells internals (SQL, paths, the database's host, user and name): a
 * client is told what happened and that the operator has the rest. The run's stored result
 * keeps the message for `medic history` and the dashboard (RFC 9457, section 4).
 */
const MASKED: Readonly<Record<string, string>> = {
  INTERNAL: 'medic failed unexpectedly; the operator finds the details in the log and in the run',
  DATABASE_UNAVAILABLE: "medic's database is unavailable; the operator finds the details in the log",
};

/** What a client is shown of a message with this code. */
export function publicDetail(code: string, detail: string): string {
  return MASKED[code] ?? detail;
}

/** A result as a client is shown it: the message of a masked code, and its failed step's detail, masked. */
export function publicResult(result: RecoveryResult): RecoveryResult {
  const code = result.error?.code;
  if (!code || !MASKED[code] || !result.error) return result;
  return {
    ...result,
    error: { ...result.error, message: MASKED[code] },
    steps: result.steps.map((s) => (s.status === 'failed' ? { ...s, detail: MASKED[code]! } : s)),
  };
}

/** The problem for a code: `type` names the code (its entry in docs/errors.md), `title` what it means. */
export function problem(
  code: string,
  detail: string,
  extra: { readonly hint?: string | null; readonly result?: RecoveryResult; readonly status?: number } = {},
): Problem {
  // The way out: the error's own hint, or what the code always asks for (docs/errors.md).
  const hint = extra.hint || nextStep(code);
  return {
    type: `urn:workspace-medic:error:${code}`,
    title: ERROR_CATALOG[code]?.meaning.replace(/`/g, '') ?? code,
    status: extra.status ?? statusOf(code),
    detail: publicDetail(code, detail),
    code,
    ...(hint ? { hint } : {}),
    ...(extra.result ? { runId: extra.result.runId, result: publicResult(extra.result) } : {}),
  };
}
