// The result object of one run, built as the run goes and closed into the validated shape.
// Its state changes only through these methods; the Run and its steps call them.
import { randomUUID } from 'node:crypto';
import type { RunOptions } from '../model/deps.js';
import { asMedicError, type MedicError } from '../model/errors.js';
import { classifyFailure } from '../model/failure-class.js';
import { containerName, parseTarget, type Target, volumeName } from '../model/names.js';
import {
  type Outcome,
  RESTORE_FILES_LISTED,
  type RecoveryResult,
  type RestoreFile,
  type RestoreSource,
  resultSchema,
  type Step,
} from '../model/result.js';
import type { Hold } from '../store/hold-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';

type Workspace = RecoveryResult['workspace'];

/** A run's identity as it begins: its id, command, options, start, and the target as typed. */
export interface DraftInit {
  readonly runId: string;
  readonly command: RecoveryResult['command'];
  readonly options: RunOptions;
  readonly startedAt: Date;
  readonly input: string;
}

export class ResultDraft {
  private outcome: Outcome = 'failed';
  private error: MedicError | null = null;
  private template: RecoveryResult['template'] = null;
  private snapshot: RecoveryResult['snapshot'] = null;
  private restore: RecoveryResult['restore'] = null;
  private workspace: Workspace;
  private detected: Date | null = null;
  private regressionOf: RecoveryResult['regression'] = null;
  /** Steps taken before the run began (a hold ended by --force): the run's first steps. */
  private readonly before: Step[] = [];
  private forcedHold: Hold | null = null;

  readonly runId: string;
  readonly command: RecoveryResult['command'];
  readonly options: RunOptions;
  readonly startedAt: Date;

  /** A run's draft as it begins: a new run id, started now (every command's first line). */
  static begin(
    clock: { now(): Date },
    command: RecoveryResult['command'],
    options: RunOptions,
    input: string,
  ): ResultDraft {
    return new ResultDraft({
      runId: options.runId ?? randomUUID(),
      command,
      options,
      startedAt: clock.now(),
      input,
    });
  }

  constructor(init: DraftInit) {
    const { input } = init;
    this.runId = init.runId;
    this.command = init.command;
    this.options = init.options;
    this.startedAt = init.startedAt;
    const guess = input.trim().slice(0, 80);
    this.workspace = {
      id: null,
      container: guess,
      volume: `${guess}-configs`,
      runtime: null,
      statusBefore: null,
      statusAfter: null,
    };
  }

  get container(): string {
    return this.workspace.container;
  }

  target(target: Target): void {
    const container = containerName(target.idPrefix);
    this.workspace = { ...this.workspace, container, volume: `${container}-configs` };
  }

  found(row: WorkspaceRow): void {
    this.workspace = {
      id: row.id,
      container: containerName(row.id),
      volume: volumeName(row.id),
      runtime: row.runtime,
      statusBefore: row.status,
      statusAfter: row.status,
    };
  }

  status(after: string | null): void {
    this.workspace = { ...this.workspace, statusAfter: after };
  }

  /** The workspace's status as the run last set or found it. */
  get statusAfter(): string | null {
    return this.workspace.statusAfter;
  }

  usedTemplate(template: { name: string; digest: string }): void {
    this.template = { name: template.name, digest: template.digest };
  }

  keptSnapshot(snapshot: RecoveryResult['snapshot']): void {
    this.snapshot = snapshot;
  }

  /** What the seed writes (or, planned, would write), file by file: written ones listed before kept ones. */
  restored(plan: {
    readonly source: RestoreSource;
    readonly files: readonly RestoreFile[];
    readonly digest: string;
  }): void {
    const rank = (f: RestoreFile) => (f.action === 'kept' ? 1 : 0);
    const listed = [...plan.files].sort((a, b) => rank(a) - rank(b)).slice(0, RESTORE_FILES_LISTED);
    const paths = new Set(listed.map((f) => f.path));
    this.restore = {
      source: plan.source,
      files: plan.files.filter((f) => paths.has(f.path)),
      omitted: plan.files.length - listed.length,
      plan: plan.digest,
    };
  }

  /** When the breakage was first seen (stored with the run as it began). */
  detectedAt(at: Date | null): void {
    this.detected = at;
  }

  /** This workspace was recovered by `previousRunId` `gapS` seconds before it broke again. */
  regression(of: RecoveryResult['regression']): void {
    this.regressionOf = of;
  }

  /** A step taken before the run began; the run records it first. */
  early(step: Step): void {
    this.before.push(step);
  }

  get earlySteps(): readonly Step[] {
    return this.before;
  }

  /** A hold that --force ends, once the run holds the lease and is about to change something. */
  endsHold(hold: Hold): void {
    this.forcedHold = hold;
  }

  /** The hold to end now (once: later calls get null). */
  takeHoldToEnd(): Hold | null {
    const hold = this.forcedHold;
    this.forcedHold = null;
    return hold;
  }

  conclude(outcome: Outcome): void {
    this.outcome = outcome;
  }

  /** The operator's policy did not allow it; nothing was changed. */
  refuse(error: MedicError): void {
    this.outcome = 'refused';
    this.error = error;
  }

  busy(error: MedicError): void {
    this.outcome = 'busy';
    this.error = error;
  }

  /** Stopped at a safe point by an interrupt (InterruptedError says where). */
  interrupted(error: MedicError): void {
    this.outcome = 'interrupted';
    this.error = error;
  }

  fail(error: unknown): void {
    this.outcome = 'failed';
    this.error = asMedicError(error);
  }

  finish(steps: readonly Step[], finishedAt: Date): RecoveryResult {
    return resultSchema.parse({
      version: 1,
      runId: this.runId,
      command: this.command,
      source: this.options.source,
      actor: this.options.actor,
      workspace: this.workspace,
      outcome: this.outcome,
      template: this.template,
      snapshot: this.snapshot,
      restore: this.restore,
      steps,
      error: this.error ? { code: this.error.code, message: this.error.message } : null,
      ...(this.outcome === 'failed' && this.error
        ? classifyFailure(this.error.code, this.error.message)
        : { class: null, retryable: null }),
      origin: this.options.grant?.origin ?? null,
      detectedAt: this.detected?.toISOString() ?? null,
      detectedToOnlineMs:
        this.detected && this.outcome === 'recovered'
          ? Math.max(0, finishedAt.getTime() - this.detected.getTime())
          : null,
      regression: this.regressionOf,
      approval: this.options.approval
        ? { ...this.options.approval, approvedBy: [...this.options.approval.approvedBy] }
        : null,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    });
  }
}

/**
 * The result of a run that could not begin because what every run needs was not there (the
 * database, the engine, a valid setting): nothing was recorded and nothing was touched. A
 * door that promises one result per target (`medic recover --json`) still gives one.
 */
export function unstartedResult(unstarted: {
  readonly command: RecoveryResult['command'];
  readonly input: string;
  readonly options: RunOptions;
  readonly error: unknown;
  readonly at: Date;
}): RecoveryResult {
  const { command, input, options, error, at } = unstarted;
  const draft = ResultDraft.begin({ now: () => at }, command, options, input);
  if (command === 'recover') {
    try {
      draft.target(parseTarget(input));
    } catch {
      // the name as given; the run's own error is the one reported
    }
  }
  draft.fail(error);
  return draft.finish([], at);
}
