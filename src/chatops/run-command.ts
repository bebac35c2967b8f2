// Runs one parsed command, target by target, through the core with the request's grant (the
// core checks each workspace against the policy), keeping its status comment current.
// Diagnoses post a table and change nothing. Every write goes through the pacer as what it
// is to the user: the answer (a result), or progress.
import {
  type Approval,
  currentPolicy,
  type Executor,
  localExecutor,
  type RecoveryResult,
  recoverMany,
  runbookFor,
  type Step,
} from '../core/index.js';
import { diagnosisTable } from '../markdown/render-diagnosis.js';
import { renderStatus, type StatusView } from '../markdown/render-status.js';
import { askApproval, decide } from './approvals.js';
import type { CommandContext } from './chatops-context.js';
import { holdReply } from './hold-reply.js';
import { type Command, HELP } from './parse-commands.js';
import { StatusComment } from './status-comment.js';

export interface CommandOptions {
  /**
   * Asked with the command's results before its status comment is finished: a note to end
   * it with (the incident's closing note), or null.
   */
  readonly closing?: (results: readonly RecoveryResult[]) => string | null;
  /** Set when other people approved this command (it is not asked for again). */
  readonly approval?: Approval;
}

export interface CommandRun {
  readonly results: RecoveryResult[];
  /** Whether the status comment carried the closing note. */
  readonly closing: boolean;
}

export async function runCommand(
  ctx: CommandContext,
  command: Command,
  line: string,
  options: CommandOptions = {},
): Promise<CommandRun> {
  const { deps, issue } = ctx;
  const request = requestOf(ctx, options);
  const executor = deps.executor ?? localExecutor(deps.core);
  const answer = (body: string) =>
    deps.writes.schedule('result', () => deps.github.createComment(issue, body)).done;
  const none: CommandRun = { results: [], closing: false };
  switch (command.kind) {
    case 'help':
      await answer(HELP);
      return none;
    case 'diagnose': {
      const rows = [];
      for (const target of command.targets) {
        const found = await executor.diagnose(target, { request }).catch((e: unknown) => e as Error);
        rows.push({ target, found });
      }
      await answer(diagnosisTable(rows, `/diagnose ${command.targets.join(' ')}`));
      return none;
    }
    case 'hold':
    case 'release':
      await answer(await holdReply(deps.core, command, request));
      return none;
    case 'approve':
    case 'deny': {
      const results = await decide(ctx, command, (as, approved, approvedLine, approval) =>
        runCommand(as, approved, approvedLine, { approval }),
      );
      return { results: [...results], closing: false };
    }
  }
  // A rule that asks other people's approval for this command: stored as a request, not run.
  if (!options.approval && (await askApproval(ctx, command, line))) return none;
  return runWithStatus(ctx, command, line, { request, executor, options });
}

// What the core is told of who asks, under which grant, within which trace.
function requestOf({ deps, actor, grant, detectedAt }: CommandContext, options: CommandOptions) {
  return {
    actor,
    source: deps.source,
    grant,
    ...(deps.fence ? { fence: deps.fence } : {}),
    ...(options.approval ? { approval: options.approval } : {}),
    ...(detectedAt ? { detectedAt } : {}),
    ...(deps.traceparent ? { traceparent: deps.traceparent } : {}),
  };
}

// A recovery or a rollback, target by target, its status comment kept current: each target's
// steps shown live while it runs, and its result as soon as it ends.
async function runWithStatus(
  ctx: CommandContext,
  command: Extract<Command, { kind: 'recover' | 'rollback' }>,
  line: string,
  run: { request: ReturnType<typeof requestOf>; executor: Executor; options: CommandOptions },
): Promise<CommandRun> {
  const { deps, issue } = ctx;
  const targets = command.kind === 'recover' ? command.targets : [command.runId];
  const reason = command.kind === 'recover' ? command.reason : null;
  const status = new StatusComment({
    clock: deps.core.clock,
    github: deps.github,
    writes: deps.writes,
    issue,
    logger: deps.logger,
    intervalMs: deps.editIntervalMs,
    graceMs: deps.editIntervalMs,
  });
  const policy = (await currentPolicy(deps.core.db).catch(() => null))?.policy ?? null;
  let view: StatusView = {
    ...(policy ? { runbook: (runtime: string | null) => runbookFor(policy, runtime) } : {}),
    commandLine: line,
    actor: ctx.actor,
    reason,
    notes: ctx.notes,
    done: [],
    running: null,
    pending: targets,
  };
  status.open(renderStatus(view));
  const onTarget = (target: string) => {
    const steps: Step[] = [];
    view = { ...view, running: { target, steps }, pending: view.pending.slice(1) };
    return (step: Step) => {
      steps.push(step);
      status.update(renderStatus(view));
    };
  };
  const onResult = (result: RecoveryResult) => {
    view = { ...view, done: [...view.done, result], running: null };
  };
  const base = { ...run.request, reason };
  if (command.kind === 'recover') {
    await recoverMany(deps.core, targets, {
      ...base,
      dryRun: command.dryRun,
      force: command.force,
      ...(command.from ? { from: command.from } : {}),
      ...(command.plan ? { plan: command.plan } : {}),
      executor: run.executor,
      onTarget,
      onResult,
    });
  } else {
    onResult(await run.executor.rollback(command.runId, { ...base, onStep: onTarget(command.runId) }));
  }
  return finishStatus(ctx, status, view, run.options);
}

// The status comment's last edit (with the closing note, when the command's caller gives one).
async function finishStatus(
  { deps, issue }: CommandContext,
  status: StatusComment,
  view: StatusView,
  options: CommandOptions,
): Promise<CommandRun> {
  const note = options.closing?.(view.done) ?? null;
  try {
    await status.finish(note ? `${renderStatus(view)}\n\n${note}` : renderStatus(view));
  } catch (error) {
    // The recovery stands and is in the audit trail; only its comment is missing.
    deps.logger.error(
      { issue, runs: view.done.map((r) => r.runId), err: (error as Error).message },
      'could not write the final status comment',
    );
    return { results: [...view.done], closing: false };
  }
  return { results: [...view.done], closing: note !== null };
}
