// How an agent runs one task: with the core, as any door in single-host mode, its steps
// stored as they end and then its answer, each only while the task is still this agent's
// attempt (src/work/queue fences every write). A refused write means another agent took the task
// over while this one stalled: the run stops before its next change and nothing more is
// written. A run kept out by the task's own stalled attempt's lease, or whose lease session
// went away, is tried again with a backoff instead of answering busy or failed.
import {
  asMedicError,
  type CoreDeps,
  leaseLapsesInMs,
  localExecutor,
  lostItsSession,
  PermissionDeniedError,
  persistently,
  type RecoveryResult,
  refuseCommand,
  type Step,
  TaskLostError,
} from '../core/index.js';
import { backoffS, RetryLater } from '../work/queue/index.js';
import type { TaskAnswer } from '../work/tasks/task-answer.js';
import { appendTaskStep, storeTaskResult, type Task } from '../work/tasks/task-store.js';

/**
 * One task, run with the core here; its steps stored as they end, then its answer, each
 * only while the task is still this agent's attempt. A refused write means another agent
 * took it over (this one stalled): the run stops before its next change (the fence), and
 * nothing more is written about the task.
 */
export async function runTask(
  deps: CoreDeps,
  agent: { readonly worker: string; readonly onResult?: (result: RecoveryResult) => void },
  task: Task,
  fence: () => Promise<void>,
  /** The agent's drain ran out: the run stops at its next safe point. */
  interrupt?: AbortSignal,
): Promise<void> {
  const trail = new TaskTrail(deps, agent.worker, task);
  deps.logger.info(
    { task: task.id, attempt: task.attempt, command: task.command, target: task.target },
    'task claimed',
  );
  const ungranted = grantMissing(task);
  let answer: TaskAnswer | null;
  if (ungranted) answer = await refusedAnswer(deps, task, ungranted);
  else if (task.command === 'diagnose') answer = await diagnosisAnswer(deps, task);
  else {
    const fenced = async () => {
      await trail.check();
      await fence();
    };
    answer = await runAnswer(deps, task, { onStep: trail.onStep, fence: fenced, interrupt }, trail);
    if (answer?.kind === 'result') agent.onResult?.(answer.result);
  }
  await trail.settled();
  if (answer === null || trail.lost) return; // not ours: nothing more is written
  // The answer is what the user is shown: kept trying while the database is away a moment.
  const stored = await persistently(() => storeTaskResult(deps.db, agent.worker, task, answer), {
    clock: deps.clock,
    forS: 60,
  });
  if (!stored) {
    deps.logger.warn(
      { task: task.id, attempt: task.attempt },
      'lost this task to another agent; its answer is not stored',
    );
  }
}

// A task's steps, stored in order as they end while the task is still this attempt's; the
// first refused write marks it lost.
class TaskTrail {
  lost = false;
  private stored = Promise.resolve();

  constructor(
    private readonly deps: CoreDeps,
    private readonly worker: string,
    private readonly task: Task,
  ) {}

  readonly onStep = (step: Step): void => {
    const { deps, task } = this;
    this.stored = this.stored
      .then(async () => {
        if (this.lost || (await appendTaskStep(deps.db, this.worker, task, step))) return;
        this.lost = true;
        deps.logger.warn(
          { task: task.id, attempt: task.attempt },
          'lost this task to another agent (this one stalled); stopping before the next change',
        );
      })
      .catch((error: unknown) =>
        deps.logger.warn({ task: task.id, err: (error as Error).message }, 'could not store a step'),
      );
  };

  /** Every step stored (or given up on). */
  settled(): Promise<void> {
    return this.stored;
  }

  /** Throws TaskLostError once another agent took the task over. */
  async check(): Promise<void> {
    await this.stored;
    if (this.lost) throw new TaskLostError(`task ${this.task.id} was taken over by another agent`);
  }
}

// A task's options: a diagnosis's own (`list`, `permission`) apart from the run's request.
function optionsOf(task: Task) {
  const { list, permission, ...request } = task.options;
  return { list, permission, request };
}

// Refused and on the record, as any door's refusal (a diagnosis is only answered its error).
async function refusedAnswer(
  deps: CoreDeps,
  task: Task,
  ungranted: PermissionDeniedError,
): Promise<TaskAnswer> {
  if (task.command === 'diagnose') {
    return {
      kind: 'error',
      error: { code: ungranted.code, message: ungranted.message, hint: ungranted.hint ?? null },
    };
  }
  const { request } = optionsOf(task);
  const result = await refuseCommand(deps, {
    command: task.command,
    target: task.target,
    options: request,
    error: ungranted,
  });
  return { kind: 'result', result };
}

// The same core calls as any door in single-host mode.
function diagnosisAnswer(deps: CoreDeps, task: Task): Promise<TaskAnswer> {
  const { list, permission, request } = optionsOf(task);
  return localExecutor(deps)
    .diagnose(task.target, {
      request,
      ...(list !== undefined ? { list } : {}),
      ...(permission ? { permission } : {}),
    })
    .then(
      (diagnosis): TaskAnswer => ({ kind: 'diagnosis', diagnosis }),
      (error: unknown): TaskAnswer => {
        const e = asMedicError(error);
        return { kind: 'error', error: { code: e.code, message: e.message, hint: e.hint ?? null } };
      },
    );
}

// A recovery or rollback's answer; null when the task is no longer this attempt's. Throws
// RetryLater where the task is to be tried again rather than answered.
async function runAnswer(
  deps: CoreDeps,
  task: Task,
  hooks: { onStep: (step: Step) => void; fence: () => Promise<void>; interrupt: AbortSignal | undefined },
  trail: TaskTrail,
): Promise<TaskAnswer | null> {
  const { request } = optionsOf(task);
  const local = localExecutor(deps);
  const run = task.command === 'recover' ? local.recover : local.rollback;
  const result = await run(task.target, {
    ...request,
    onStep: hooks.onStep,
    fence: hooks.fence,
    ...(hooks.interrupt ? { interrupt: hooks.interrupt } : {}),
  }).catch((error: unknown) => {
    // The run could not even store how it ended: the database is away. It is tried again.
    const e = asMedicError(error);
    if (e.code === 'DATABASE_UNAVAILABLE' && task.attempt < RETRIES_WHEN_BUSY)
      throw new RetryLater(backoffS(task.attempt, 15), `DATABASE_UNAVAILABLE: ${e.message}`);
    throw e;
  });
  await trail.settled();
  if (trail.lost || result.error?.code === 'TASK_LOST') return null;
  await retryInstead(deps, task, result);
  return { kind: 'result', result };
}

// Whether a run's end is to be tried again rather than answered (throws RetryLater if so).
async function retryInstead(deps: CoreDeps, task: Task, result: RecoveryResult): Promise<void> {
  // Stopped at a safe point because this agent is leaving (before its first change, or after
  // finishing one it had begun): another agent runs it, and answers for the workspace as it is.
  if (result.error?.code === 'INTERRUPTED') throw new RetryLater(0, 'handed on: its agent was stopping');
  // The run's lease session went away under it (a Postgres restart, a failover, a cut
  // network): it stopped before its next change; the task is tried again, from the start,
  // by whoever claims it.
  if (lostItsSession(result.error?.code) && task.attempt < RETRIES_WHEN_BUSY) {
    throw new RetryLater(backoffS(task.attempt, 15), `${result.error!.code}: ${result.error!.message}`);
  }
  // Busy because this task's own earlier attempt still holds the lease (its agent froze
  // with its database session open): the user is not told `busy`; the task waits for that
  // lease to lapse by its TTL (MEDIC_LEASE_TTL_S, 15 s) and is tried again then. A holder
  // that is alive renews it, and after RETRIES_WHEN_BUSY attempts its `busy` stands.
  if (result.outcome === 'busy' && task.attempt > 1 && task.attempt < RETRIES_WHEN_BUSY) {
    const lapsesMs = result.workspace.id ? await leaseLapsesInMs(deps.db, result.workspace.id) : null;
    throw new RetryLater(
      lapsesMs === null ? backoffS(task.attempt, 15) : lapsesMs / 1000 + 0.5,
      `busy (${result.error?.message ?? 'lease held'}): a stalled earlier attempt may still hold the lease; tried again when it lapses`,
    );
  }
}

/**
 * A task the app's role wrote runs under the grant it was admitted under (a GitHub grant or an
 * API client, checked again by the core here against the target); one that carries neither
 * would run as an operator's. Only the watcher's own kind of work, a plain automatic recovery,
 * needs none.
 */
function grantMissing(task: Task): PermissionDeniedError | null {
  const o = task.options;
  if (!task.byApp || o.grant || o.client) return null;
  if (o.source === 'auto' && task.command === 'recover' && !o.force && !o.from) return null;
  return new PermissionDeniedError({
    required: 'the grant the task was admitted under',
    held: 'none',
    on: task.target,
    because: "a task written by the app's role must carry its GitHub grant or API client",
  });
}

/** How many attempts of a task a lease held by its own stalled attempt (or a lost lease) is retried for; then its answer stands. */
const RETRIES_WHEN_BUSY = 12;
