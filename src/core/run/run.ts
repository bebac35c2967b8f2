// One run that changes a workspace (recover, rollback), as one object: its database session,
// lease, audit trail and result draft; steps receive it as their context. `Run.execute` records
// the run first, holds the lease around the body (renewed on a timer), reports a lease held
// elsewhere as `busy` and any failure as `failed`, and stores the result at the end. A step
// that changes the workspace (`change`) first confirms the lease is still this run's (a run
// that stalled past its TTL, or whose session is gone, stops there with LEASE_LOST).
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { asMedicError, InterruptedError, LeaseHeldError, type MedicError } from '../model/errors.js';
import { stripControl } from '../model/names.js';
import type { Clock, Queryable } from '../model/ports.js';
import type { RecoveryResult, Step } from '../model/result.js';
import { insertRun, markAbandoned } from '../store/audit-store.js';
import type { NumberedStep } from '../store/step-trail.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { endForcedHold } from './forced-hold.js';
import { endIfInterrupted, stopIfInterrupted } from './interrupt.js';
import { acquireLease, keepRenewed, leaseLostError, releaseLease, renewLease } from './lease.js';
import type { ResultDraft } from './result-draft.js';
import { afterRun, noteRegression } from './signals.js';
import type { RunEnd, StepWork } from './step-work.js';
import { storeEnd } from './store-end.js';

export type { RunEnd, StepWork } from './step-work.js';

export class Run {
  readonly steps: Step[] = [];
  /** Steps not yet in the trail: they go with the run's next statement (see `record`). */
  private unrecorded: NumberedStep[] = [];
  /** Set when a renewal found the lease taken by another run, or its session gone. */
  private lost = false;
  /** Whether a change step of this run has completed (an interrupt is honoured only before one). */
  changed = false;
  private lostWhy: string | null = null;
  /** Whether this run's session holds the workspace's advisory lock (not when it took over a hung holder's row). */
  private locked = false;
  /** Between the lease's step and its release. */
  private holding = false;

  readonly deps: CoreDeps;
  readonly session: Queryable;
  readonly draft: ResultDraft;
  readonly workspace: WorkspaceRow;
  readonly options: RunOptions;

  private constructor(frame: {
    deps: CoreDeps;
    session: Queryable;
    draft: ResultDraft;
    workspace: WorkspaceRow;
    options: RunOptions;
  }) {
    this.deps = frame.deps;
    this.session = frame.session;
    this.draft = frame.draft;
    this.workspace = frame.workspace;
    this.options = frame.options;
  }

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
    const result = await deps.db.session(async (session) => {
      const detected = await insertRun(session, {
        runId: draft.runId,
        workspaceId: workspace.id,
        command: draft.command,
        source: options.source,
        actor: options.actor,
        reason: options.reason ? stripControl(options.reason).slice(0, 500) : null,
        dryRun: options.dryRun ?? false,
        force: options.force ?? false,
        startedAt: draft.startedAt,
        origin: options.grant?.origin ?? null,
        detectedAt: options.detectedAt ?? null,
      });
      draft.detectedAt(detected);
      const run = new Run({ deps, session, draft, workspace, options });
      try {
        for (const step of draft.earlySteps) await run.record(step); // what --force would end, in a dry run
        await run.leased(async () => draft.conclude(await body(run)));
        await endIfInterrupted(run, draft.statusAfter);
      } catch (error) {
        if (error instanceof LeaseHeldError) draft.busy(error);
        else if (error instanceof InterruptedError) draft.interrupted(error);
        else draft.fail(error);
      }
      await noteRegression(deps, session, draft, workspace.id).catch(() => undefined);
      const result = draft.finish(run.steps, deps.clock.now());
      await storeEnd(deps, session, result, run.takeUnrecorded());
      return result;
    });
    await afterRun(deps, result, workspace); // its events, once its session is back in the pool
    deps.tracer?.run(result, { traceparent: options.traceparent ?? null });
    return result;
  }

  /**
   * Runs one step; `fn` returns the step's detail text, and `skipped` when what it found made
   * the step unnecessary (recorded as skipped, with the time the finding took). A failing
   * step is recorded as failed and its error rethrown.
   */
  async step<T>(name: string, fn: () => Promise<StepWork<T>>): Promise<T> {
    const clock = this.deps.clock;
    const started = clock.monotonicMs();
    try {
      if (this.lost) throw leaseLostError(this.lostWhy);
      const { detail, value, skipped } = await fn();
      await this.record({ name, status: skipped ? 'skipped' : 'ok', ms: elapsed(clock, started), detail });
      return value;
    } catch (error) {
      const e = await this.explain(asMedicError(error));
      // If the trail cannot be written either (the database went away), the step's own error
      // is still the one that explains the run, so that is what propagates.
      await this.record({
        name,
        status: 'failed',
        ms: elapsed(clock, started),
        detail: `${e.code}: ${e.message}`,
      }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * A step that changes the workspace (stop, seed, start, mark online, restore): the lease is
   * renewed first, and if another run holds it now, nothing more is changed.
   */
  async change<T>(name: string, fn: () => Promise<StepWork<T>>): Promise<T> {
    await stopIfInterrupted(this, name);
    if (!this.lost && !(await this.stillLeased())) this.lost = true;
    const { fence } = this.options;
    const hold = this.lost ? null : this.draft.takeHoldToEnd();
    if (hold) await endForcedHold(this, hold);
    return this.step(name, async () => {
      // The job or task this run does for someone is still this worker's (a worker that
      // stalled and woke to find it taken over stops here, having changed nothing more).
      await fence?.();
      const done = await fn();
      this.changed = true;
      return done;
    });
  }

  /**
   * Renews the lease, and with it confirms that this run's database session still holds the
   * workspace's advisory lock: after a Postgres restart or a failover the lock is gone (the
   * session too), and another run may hold it now. An answer that cannot be had counts as lost.
   */
  private async stillLeased(): Promise<boolean> {
    const { leaseTtlS } = this.deps.config;
    const steps = this.takeUnrecorded();
    return renewLease(this.session, this.id, leaseTtlS, this.locked ? this.workspace.id : null, steps).catch(
      (error: unknown) => {
        this.unrecorded.unshift(...steps); // stored with the run's end instead
        this.lostWhy = `the database session that held this run's lease is gone (${asMedicError(error).message})`;
        return false;
      },
    );
  }

  /**
   * A step that failed on the database while the lease is held: when the run's own session is
   * gone (Postgres restarted under it), the lease went with it and that is what stopped the
   * run (LEASE_LOST, run it again), whether or not a renewal happened to notice first.
   */
  private async explain(e: MedicError): Promise<MedicError> {
    if (e.code !== 'DATABASE_UNAVAILABLE' || !this.holding || this.lost) return e;
    if (await this.stillLeased()) return e;
    this.lost = true;
    return leaseLostError(this.lostWhy);
  }

  /** Records a step that did no work (a dry run's plan, a stop of a stopped container). */
  async skip(name: string, detail: string): Promise<void> {
    await this.record({ name, status: 'skipped', ms: 0, detail });
  }

  /** The `lease` step, then `body` with the lease held and renewed; released however `body` ends. */
  private async leased(body: () => Promise<void>): Promise<void> {
    const { holder, config, logger } = this.deps;
    const attempt = await this.step('lease', async () => {
      const a = await acquireLease(this.session, {
        workspaceId: this.workspace.id,
        runId: this.id,
        holder,
        ttlS: config.leaseTtlS,
      });
      if (!a.acquired) throw new LeaseHeldError(a.heldBy.runId, a.heldBy.holder);
      if (a.tookOverFrom) await markAbandoned(this.session, a.tookOverFrom);
      const detail = a.tookOverFrom
        ? `took over the lease of run ${a.tookOverFrom} (its holder is gone, or stalled past its TTL)`
        : `held by ${holder}, renewed every ${Math.round(config.leaseTtlS / 3)}s (TTL ${config.leaseTtlS}s)`;
      return { detail, value: a };
    });
    this.locked = attempt.locked;
    this.holding = true;
    const stopRenewing = keepRenewed(this.session, this.id, config.leaseTtlS, {
      onLost: () => {
        this.lost = true;
      },
      onError: (error) =>
        logger.warn({ runId: this.id, err: asMedicError(error).message }, 'could not renew the lease'),
    });
    try {
      await body();
    } finally {
      this.holding = false;
      stopRenewing();
      await releaseLease(this.session, this.workspace.id, this.id, attempt.locked).catch((error: unknown) =>
        // The lease lapses by itself (session gone or TTL); the run's result matters more.
        logger.warn(
          { runId: this.id, err: asMedicError(error).message },
          'could not release lease; it will lapse',
        ),
      );
    }
  }

  /**
   * Adds the step to the run and shows it to the caller. It reaches the trail with the run's
   * next statement (the renewal before the next change, or the run's end): stored before the
   * workspace is changed again, at no round trip of its own. A session gone meanwhile fails
   * the renewal: LEASE_LOST before the next change, the steps stored with the run's end.
   */
  async record(step: Step): Promise<void> {
    this.steps.push(step);
    this.unrecorded.push({ seq: this.steps.length, step, at: this.deps.clock.now().toISOString() });
    this.options.onStep?.(step, this.steps.length - 1);
  }

  /** The steps not yet in the trail, now handed to the statement that stores them. */
  takeUnrecorded(): NumberedStep[] {
    const taken = this.unrecorded;
    this.unrecorded = [];
    return taken;
  }
}

function elapsed(clock: Clock, started: number): number {
  return Math.max(0, Math.round(clock.monotonicMs() - started));
}
