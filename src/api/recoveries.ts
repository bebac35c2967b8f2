// POST /recoveries and GET /recoveries/{runId}: a recovery asked for with an Idempotency-Key.
// The first call with a key starts the run in this process (its work goes where the executor
// sends it) and keeps the answer with the key; every later call with the same key and body
// gets that run, waiting for it as `Prefer: wait` allows (from this process's promise, or from
// the stored answer when another replica runs it). A run that has not ended is a 202 with its
// steps so far.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type CoreDeps,
  changedWorkspace,
  type Executor,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  isSuccess,
  parseTarget,
  preflight,
  type RecoveryResult,
  RefusalError,
  RunNotFoundError,
  type RunOptions,
  ServiceBusyError,
  settledWithin,
  unstartedResult,
  validTraceparent,
} from '../core/index.js';
import { type Answer, waitOf } from './http-io.js';
import { problem, publicResult, retryAfterOf } from './problem.js';
import { claimKey, progressOf, releaseKey, requestOf, storeAnswer } from './request-store.js';
import { API_BASE, type RecoveryRequest } from './schemas.js';

const POLL_MS = 100;

export class Recoveries {
  private readonly inflight = new Map<string, Promise<RecoveryResult>>();
  private readonly storing = new Set<Promise<void>>();
  /** Aborted when a bounded drain runs out: each run stops at its next safe point. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: CoreDeps,
    private readonly executor: (scope: string) => Executor,
  ) {}

  /**
   * Resolves once every run started here has ended and its answer is stored; with `withinMs`,
   * waits that long, then asks each run to stop at its next safe point and waits for it.
   */
  async idle(o: { readonly withinMs?: number } = {}): Promise<void> {
    const all = () => Promise.allSettled([...this.inflight.values(), ...this.storing]);
    if (await settledWithin(all(), o.withinMs)) return;
    this.stopping.abort();
    await all();
  }

  async post(client: string, body: RecoveryRequest, req: IncomingMessage): Promise<Answer> {
    const key = String(req.headers['idempotency-key'] ?? '');
    if (key.length < 1 || key.length > 255 || /[^\x21-\x7e]/.test(key)) {
      throw new InvalidRequestError(
        'POST /recoveries needs an Idempotency-Key header: 1-255 visible ASCII characters',
        {
          hint: 'derive it from what makes the request unique, e.g. the workspace id and the restart attempt',
        },
      );
    }
    parseTarget(body.target); // a target that names nothing is answered now (INVALID_TARGET)
    const max = this.deps.config.apiMaxRuns;
    if (this.inflight.size >= max) {
      throw new ServiceBusyError(
        `this replica is running ${max} API recoveries already (MEDIC_API_MAX_RUNS)`,
        {
          hint: 'call again after Retry-After with the same Idempotency-Key; nothing was started',
        },
      );
    }
    const waitS = waitOf(req);
    const claim = await claimKey(this.deps.db, {
      client,
      key,
      bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
      target: body.target,
      runId: randomUUID(),
    });
    if (claim.kind === 'conflict') {
      throw new IdempotencyKeyReusedError(
        `the Idempotency-Key ${JSON.stringify(key)} was used with another body (run ${claim.runId})`,
        { hint: 'a new request needs a new key' },
      );
    }
    let refused: RecoveryResult | null = null;
    if (claim.kind === 'new') {
      // The policy is asked first: a refusal is final, given at once (403, kept with the key), waited for or not.
      refused = await this.refusal(client, body, claim.runId);
      if (refused) await storeAnswer(this.deps.db, refused);
      else this.start(client, key, body, claim.runId, validTraceparent(req.headers.traceparent));
    }
    const known = refused ?? (claim.kind === 'replay' ? claim.result : null);
    const result = known ?? (waitS > 0 ? await this.settled(client, claim.runId, waitS) : null);
    const location = `${API_BASE}/recoveries/${claim.runId}`;
    if (result) return finished(result, { location });
    return {
      status: 202,
      runId: claim.runId,
      body: await this.progress(claim.runId),
      headers: {
        location,
        'retry-after': '1',
        ...(waitS > 0 ? { 'preference-applied': `wait=${waitS}` } : {}),
      },
    };
  }

  /** The policy's refusal of this call, recorded as a run (null: admitted). */
  private async refusal(
    client: string,
    body: RecoveryRequest,
    runId: string,
  ): Promise<RecoveryResult | null> {
    const checked = await preflight(this.deps, {
      command: 'recover',
      target: body.target,
      options: this.optionsOf(client, body, runId),
    });
    return checked.admitted || !(checked.error instanceof RefusalError) ? null : checked.result;
  }

  private optionsOf(client: string, body: RecoveryRequest, runId: string, traceparent?: string): RunOptions {
    const { target: _target, ...asked } = body; // dryRun, force, from, plan, reason
    return {
      ...(traceparent ? { traceparent } : {}),
      ...asked,
      actor: client,
      source: 'api',
      client: { name: client },
      runId,
      interrupt: this.stopping.signal,
    };
  }

  private start(client: string, key: string, body: RecoveryRequest, runId: string, tp?: string): void {
    const options = this.optionsOf(client, body, runId, tp);
    const running = this.executor(`api:${client}:${key}`)
      .recover(body.target, options)
      .catch((error: unknown) =>
        unstartedResult({
          command: 'recover',
          input: body.target,
          options,
          error,
          at: this.deps.clock.now(),
        }),
      );
    // The answer is kept with the key off the caller's path: until it is, a replay reads the
    // run's own stored result (a refusal or a finished run is in medic.runs already).
    const stored = running
      .then((result) =>
        keepsKey(result) ? storeAnswer(this.deps.db, result) : releaseKey(this.deps.db, result),
      )
      .catch((e: unknown) =>
        this.deps.logger.error({ runId, err: (e as Error).message }, 'could not store the API answer'),
      )
      .finally(() => {
        this.inflight.delete(runId);
        this.storing.delete(stored);
      });
    this.storing.add(stored);
    this.inflight.set(runId, running);
  }

  /** The run's result within `waitS` seconds (from this process, or as stored by another), else null. */
  private async settled(client: string, runId: string, waitS: number): Promise<RecoveryResult | null> {
    const deadline = this.deps.clock.monotonicMs() + waitS * 1000;
    const local = this.inflight.get(runId);
    if (local) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), waitS * 1000);
      });
      try {
        return await Promise.race([local, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    while (this.deps.clock.monotonicMs() < deadline) {
      const stored = await requestOf(this.deps.db, client, runId);
      if (stored?.result) return stored.result;
      await this.deps.clock.sleep(POLL_MS);
    }
    return null;
  }

  private async progress(runId: string) {
    const p = await progressOf(this.deps.db, runId);
    return { runId, state: p ? 'running' : 'accepted', steps: p?.steps ?? [] };
  }

  async get(client: string, runId: string): Promise<Answer> {
    const stored = await requestOf(this.deps.db, client, runId);
    if (!stored) {
      throw new RunNotFoundError(`${client} started no run ${runId}`, {
        hint: 'a client reads the runs it started; `GET /workspaces/{target}/runs` lists a workspace’s',
      });
    }
    if (stored.result) return { status: 200, body: publicResult(stored.result), runId };
    return { status: 200, body: await this.progress(runId), runId };
  }
}

/** A finished run: 200 with the result when it succeeded, else its problem with the result in it. */
function finished(result: RecoveryResult, o: { location: string }): Answer {
  const headers = { location: o.location };
  if (isSuccess(result.outcome)) return { status: 200, body: result, headers, runId: result.runId };
  const code = result.error?.code ?? 'INTERNAL';
  const p = problem(code, result.error?.message ?? `the run ended ${result.outcome}`, { result });
  const retry = retryAfterOf(code);
  return {
    status: p.status,
    body: p,
    headers: { ...headers, ...(retry ? { 'retry-after': String(retry) } : {}) },
    runId: result.runId,
  };
}

/**
 * Codes the same call may get past later (another run holds the workspace, something medic
 * needs is down, the work was lost to a restart): their answer is not kept with the key.
 */
const TRANSIENT = new Set([
  'LEASE_HELD',
  'LEASE_LOST',
  'TASK_LOST',
  'DATABASE_UNAVAILABLE',
  'DOCKER_UNAVAILABLE',
  'ENGINE_UNAVAILABLE',
  'GITHUB_UNAVAILABLE',
  'WORKSPACE_NOT_PLACED',
  'RATE_LIMITED',
  'INTERRUPTED',
]);

/** Whether a run's answer is the key's for good (Stripe's rule: once it began a change, or ended for good). */
export function keepsKey(result: RecoveryResult): boolean {
  if (result.outcome === 'busy') return false;
  const code = result.error?.code;
  if (!code || !TRANSIENT.has(code)) return true;
  return changedWorkspace(result.steps); // a run that changed the workspace: its end is final
}
