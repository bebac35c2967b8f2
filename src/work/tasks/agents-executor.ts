// The app's executor with MEDIC_EXECUTOR=agents: it makes no Docker call. Each command is
// checked here first (the target names a workspace, the operator's policy allows it), then
// handed as a task to the agent of the engine its container was last seen on, and followed
// as that agent stores its steps, until its answer is in. No placement: WORKSPACE_NOT_PLACED.
// No live agent for the engine for MEDIC_AGENT_WAIT_S: ENGINE_UNAVAILABLE, naming it.
import {
  asMedicError,
  type CoreDeps,
  containerName,
  type DiagnoseOptions,
  EngineUnavailableError,
  type Executor,
  type MedicError,
  preflight,
  type RecoveryResult,
  ReportedError,
  type RunOptions,
  WorkspaceNotPlacedError,
} from '../../core/index.js';
import type { Wakeups } from '../../db/wakeups.js';
import { placementOf } from '../../engines/engine-store.js';
import { type Answer, readAnswer } from './task-answer.js';
import {
  enqueueTask,
  expireTask,
  readTask,
  type TaskCommand,
  type TaskView,
  taskOptions,
} from './task-store.js';

export interface AgentsExecutorOptions {
  /** MEDIC_AGENT_WAIT_S: how long a task waits for its engine to have a live agent. */
  readonly waitS: number;
  /** How often the task is read while it is waited on (at most 250 ms), unless a NOTIFY comes first. */
  readonly pollMs: number;
  /** NOTIFYs of the tasks' steps and ends (absent: polling only). */
  readonly wakeups?: Wakeups;
}

/**
 * An executor for one job: its tasks are keyed by the job and their order in it, so the same
 * job run again (its replica died) finds the tasks it stored before instead of adding more.
 */
export function agentsExecutor(deps: CoreDeps, jobKey: string, options: AgentsExecutorOptions): Executor {
  let n = 0;
  const dispatch = (command: TaskCommand, target: string, run: DispatchOptions) =>
    handOver(deps, options, { key: `${jobKey}:${n++}`, command, target, run });
  return {
    async recover(target, run) {
      return resultOf(await dispatch('recover', target, run));
    },
    async rollback(runId, run) {
      return resultOf(await dispatch('rollback', runId, run));
    },
    async diagnose(target, o) {
      const request = o.request ?? { actor: 'medic', source: 'app' as const };
      const answer = await dispatch('diagnose', target, {
        ...request,
        list: o.list ?? true,
        ...(o.permission ? { permission: o.permission } : {}),
      });
      if (answer.kind === 'diagnosis') return answer.diagnosis;
      throw answer.kind === 'error' ? answer.error : new Error('a diagnosis task answered with a run');
    },
  };
}

type DispatchOptions = RunOptions & Pick<DiagnoseOptions, 'list' | 'permission'>;

// A command admitted here (the policy, holds, the breaker), then handed to the engine its
// workspace is placed on as a task, and followed until that engine's agent answers.
async function handOver(
  deps: CoreDeps,
  options: AgentsExecutorOptions,
  { key, command, target, run }: { key: string; command: TaskCommand; target: string; run: DispatchOptions },
): Promise<Answer> {
  const pre = await preflight(deps, {
    command,
    target,
    options: run,
    ...(run.permission ? { permission: run.permission } : {}),
  });
  if (!pre.admitted) {
    // As the core's own diagnose does, a diagnosis that cannot run throws; a run's result says why.
    return command === 'diagnose'
      ? { kind: 'error', error: pre.error }
      : { kind: 'result', result: pre.result };
  }
  const container = containerName(pre.workspace.id);
  const engine = await placementOf(deps.db, container);
  const failed = async (error: MedicError): Promise<Answer> =>
    command === 'diagnose' ? { kind: 'error', error } : { kind: 'result', result: await pre.fail(error) };
  if (!engine) {
    return failed(
      new WorkspaceNotPlacedError(`no agent has seen ${container} on any engine`, {
        hint: 'run `medic agent --engine <name>` on the Docker host that holds it; `medic status` lists the engines',
      }),
    );
  }
  // [pager] With tracing on, the hand-off is a span and the task carries its traceparent: the
  // agent's run joins this process's trace (or the caller's, under which the span is).
  const span = deps.tracer?.handOff(`medic dispatch ${command}`, {
    traceparent: run.traceparent ?? null,
    attributes: { 'medic.workspace': container, 'medic.engine': engine },
  });
  const carried = span ? { ...run, traceparent: span.traceparent } : run;
  const id = await enqueueTask(deps.db, { key, engine, command, target, options: taskOptions(carried) });
  deps.logger.info({ task: id, engine, command, target: container }, 'task handed to its engine');
  const woken = options.wakeups?.follow(String(id));
  let outcome = 'failed';
  try {
    const answer = await follow(deps, { id, engine }, { run, options, failed, woken });
    outcome = answer.kind === 'result' ? answer.result.outcome : answer.kind;
    return answer;
  } finally {
    woken?.close();
    span?.end(outcome);
  }
}

function resultOf(answer: Answer): RecoveryResult {
  if (answer.kind === 'result') return answer.result;
  throw new Error(`a recovery task answered with a ${answer.kind}`);
}

/** How one task is followed: the run's listener, the executor's settings, its failure recorder, its wakeups. */
interface Following {
  readonly run: RunOptions;
  readonly options: AgentsExecutorOptions;
  readonly failed: (error: MedicError) => Promise<Answer>;
  readonly woken: { wait(ms: number): Promise<void> } | undefined;
}

async function follow(deps: CoreDeps, task: { id: number; engine: string }, f: Following): Promise<Answer> {
  const { id, engine } = task;
  const { run, options, failed, woken } = f;
  let shown = 0;
  let deadSince: number | null = null;
  for (;;) {
    // The database away a moment (a restart, a failover) does not end the following: the
    // agent carries on meanwhile, and stores its answer once it is back.
    const now = await readTask(deps.db, id).catch((error: unknown) => {
      if (asMedicError(error).code !== 'DATABASE_UNAVAILABLE') throw error;
      return null;
    });
    if (!now) {
      await deps.clock.sleep(options.pollMs);
      continue;
    }
    // A task run again (its agent died) starts its steps over; they are shown from there.
    if (now.steps.length < shown) shown = 0;
    for (const step of now.steps.slice(shown)) run.onStep?.(step, shown++);
    if (now.state === 'done') return answerOf(id, now);
    if (now.state !== 'pending' && now.state !== 'running') {
      return failed(
        now.state === 'failed'
          ? new ReportedError({
              code: 'INTERNAL',
              message: `the agent for engine "${engine}" failed: ${now.error}`,
            })
          : unavailable(engine, now, now.error ?? 'given up'),
      );
    }
    if (now.alive) deadSince = null;
    else {
      deadSince ??= deps.clock.monotonicMs();
      if (deps.clock.monotonicMs() - deadSince >= options.waitS * 1000) {
        const error = unavailable(engine, now, `no agent came within ${options.waitS}s`);
        if (await expireTask(deps.db, id, error.message)) return failed(error);
        continue; // an agent took it at the last moment: follow it
      }
    }
    // The next read comes when the agent stores something (NOTIFY), or after pollMs at most.
    await (woken ? woken.wait(options.pollMs) : deps.clock.sleep(options.pollMs));
  }
}

function unavailable(engine: string, task: TaskView, why: string): MedicError {
  const last = task.lastHeartbeat
    ? `its agent last heartbeated at ${task.lastHeartbeat.toISOString()}`
    : 'it has never had an agent';
  return new EngineUnavailableError(`engine "${engine}" has no live agent (${last}); ${why}`, {
    hint: `start \`medic agent --engine ${engine}\` on that Docker host, then comment the command again`,
  });
}

function answerOf(id: number, task: TaskView): Answer {
  return readAnswer(id, task.result);
}
