// One run that changes a workspace (recover, rollback), as one object: its database session,
// its lease, its audit trail and its result draft. Steps receive the Run as their context.
// The frame (`Run.execute`) records the run before anything happens, holds the workspace's
// lease around the body, reports a lease held elsewhere as `busy` and any failure as
// `failed`, and stores the whole result at the end.

import type { CoreDeps, RunOptions } from '../model/deps.js';
import { asMedicError, LeaseHeldError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import type { Outcome, RecoveryResult, Step } from '../model/result.js';
import { appendStep, finishRun, insertRun, markAbandoned } from '../store/audit-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { acquireLease, releaseLease, renewLease } from './lease.js';
import type { ResultDraft } from './result-draft.js';

/** What a step's work returns: its detail text, its value, and whether it found nothing to do. */
export interface StepWork<T> {
  readonly detail: string;
  readonly value: T;
  readonly skipped?: boolean;
}

/** What a run's body ends with when it does not throw. */
export type RunEnd = Extract<Outcome, 'recovered' | 'healthy' | 'planned'>;

export class Run {
  readonly steps: Step[] = [];
  /** When the lease was last taken or renewed (ms); null while none is held. */
  private renewedAt: number | null = null;

  private constructor(
    readonly deps: CoreDeps,
    readonly session: Queryable,
    readonly draft: ResultDraft,
    readonly workspace: WorkspaceRow,
    readonly options: RunOptions,
  ) {}

  get id(): string {
    return this.draft.runId;
  }

  static async execute(
    deps: CoreDeps,
    draft: ResultDraft,
    workspace: WorkspaceRow,
    options: RunOptions,
    body: (run: Run) => Promise<RunEnd>,
  ): Promise<RecoveryResult> {
    return deps.db.session(async (session) => {
      await insertRun(session, {
        runId: draft.runId,
        workspaceId: workspace.id,
        command: draft.command,
        source: options.source,
        actor: options.actor,
        reason: options.reason ?? null,
        dryRun: options.dryRun ?? false,
        force: options.force ?? false,
        startedAt: draft.startedAt,
        origin: options.grant?.origin ?? null,
      });
      const run = new Run(deps, session, draft, workspace, options);
      try {
        await run.leased(async () => draft.conclude(await body(run)));
      } catch (error) {
        if (error instanceof LeaseHeldError) draft.busy(error);
        else draft.fail(error);
      }
      const result = draft.finish(run.steps, deps.clock.now());
      await finishRun(session, result);
      deps.logger.info(
        {
          runId: result.runId,
          command: result.command,
          workspace: workspace.id,
          outcome: result.outcome,
          error: result.error?.code,
        },
        'run finished',
      );
      return result;
    });
  }

  /**
   * Runs one step; `fn` returns the step's detail text, and `skipped` when what it found made
   * the step unnecessary (recorded as skipped, with the time the finding took). A failing
   * step is recorded as failed and its error rethrown.
   */
  async step<T>(name: string, fn: () => Promise<StepWork<T>>): Promise<T> {
    await this.renewIfDue();
    const started = performance.now();
    try {
      const { detail, value, skipped } = await fn();
      await this.record({ name, status: skipped ? 'skipped' : 'ok', ms: elapsed(started), detail });
      return value;
    } catch (error) {
      const e = asMedicError(error);
      // If the trail cannot be written either (the database went away), the step's own error
      // is still the one that explains the run, so that is what propagates.
      await this.record({
        name,
        status: 'failed',
        ms: elapsed(started),
        detail: `${e.code}: ${e.message}`,
      }).catch(() => undefined);
      throw e;
    }
  }

  /** Records a step that did no work (a dry run's plan, a stop of a stopped container). */
  async skip(name: string, detail: string): Promise<void> {
    await this.record({ name, status: 'skipped', ms: 0, detail });
  }

  /** The `lease` step, then `body` with the lease held; released however `body` ends. */
  private async leased(body: () => Promise<void>): Promise<void> {
    const { holder, config } = this.deps;
    await this.step('lease', async () => {
      const attempt = await acquireLease(this.session, this.workspace.id, this.id, holder, config.leaseTtlS);
      if (!attempt.acquired) throw new LeaseHeldError(attempt.heldBy.runId, attempt.heldBy.holder);
      if (attempt.tookOverFrom) await markAbandoned(this.session, attempt.tookOverFrom);
      const detail = attempt.tookOverFrom
        ? `took over the lapsed lease of run ${attempt.tookOverFrom} (its holder is gone or it expired)`
        : `held by ${holder} for up to ${config.leaseTtlS}s`;
      return { detail, value: undefined };
    });
    this.renewedAt = Date.now();
    try {
      await body();
    } finally {
      await releaseLease(this.session, this.id).catch((error: unknown) =>
        // The lease lapses by itself (session gone or TTL); the run's result matters more.
        this.deps.logger.warn(
          { runId: this.id, err: asMedicError(error).message },
          'could not release lease; it will lapse',
        ),
      );
    }
  }

  // Renewed once a third of the TTL has passed: a run never outlives its lease, and a quick
  // run (a few hundred ms) does not pay an UPDATE per step.
  private async renewIfDue(): Promise<void> {
    const ttlS = this.deps.config.leaseTtlS;
    if (this.renewedAt === null || Date.now() - this.renewedAt <= (ttlS * 1000) / 3) return;
    await renewLease(this.session, this.id, ttlS);
    this.renewedAt = Date.now();
  }

  private async record(step: Step): Promise<void> {
    this.steps.push(step);
    await appendStep(this.session, this.id, this.steps.length, step);
    this.options.onStep?.(step, this.steps.length - 1);
  }
}

function elapsed(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}
