import type { CoreDeps, RunOptions } from '../model/deps.js';
import { ApprovalRequiredError, asMedicError, MedicError, RefusalError } from '../model/errors.js';
import { parseTarget } from '../model/names.js';
import type { Permission } from '../model/permissions.js';
import type { RestoreOverride } from '../model/restore-policy.js';
import type { RecoveryResult } from '../model/result.js';
import { checkClient, checkGrant, isElevated } from '../policy/grant.js';
import type { PolicyRule } from '../policy/policy.js';
import { ResultDraft } from '../run/result-draft.js';
import { currentPolicy } from '../store/policy-store.js';
import { findWorkspace, type WorkspaceRow } from '../store/workspace-store.js';
import { passBreaker, type WaveTicket } from './breaker-gate.js';
import { passHold } from './hold-gate.js';
import { refuse, unrecorded } from './refusal-record.js';

export type Admission =
  | {
      readonly admitted: true;
      readonly workspace: WorkspaceRow;
      readonly ticket?: WaveTicket | null;
      /** [keep] The admitting rule's (or client's) own `restore:`. */
      readonly restore?: RestoreOverride;
    }
  | { readonly admitted: false; readonly result: RecoveryResult; readonly error: MedicError };

export interface AdmissionRequest {
  /** What the requester typed, for messages. */
  readonly target: string;
  /** Finds the workspace; its errors (bad target, not found) are the run's when it is admitted. */
  readonly resolve: () => Promise<WorkspaceRow>;
  /** A lower floor than the rule's permission, for a read-only view GitHub triggers. */
  readonly permission?: Permission;
  /** False for a check before dispatch (preflight): the run that follows meets the brake itself. */
  readonly brake?: boolean;
}

export async function admit(
  deps: CoreDeps,
  draft: ResultDraft,
  options: RunOptions,
  request: AdmissionRequest,
): Promise<Admission> {
  const admission = await admitByPolicy(deps, draft, options, request);
  if (!admission.admitted || draft.command === 'diagnose') return admission;
  // A hold keeps the command off the workspace (unless --force ends it): refused, on the record.
  const started = deps.clock.monotonicMs();
  let held: RefusalError | null;
  try {
    held = await passHold(deps, draft, options, admission.workspace);
  } catch (error) {
    draft.fail(error);
    return { admitted: false, result: draft.finish([], deps.clock.now()), error: asMedicError(error) };
  }
  if (!held) {
    const { approval } = options;
    if (approval) {
      draft.early({
        name: 'approval',
        status: 'ok',
        ms: 0,
        detail: `asked by ${approval.requestedBy}, approved by ${approval.approvedBy.join(', ')} (request ${approval.id})`,
      });
    }
    if (draft.command !== 'recover' || request.brake === false) return admission;
    const braked = await passTheBrake(deps, draft, options, admission.workspace);
    return braked.admitted ? { ...braked, restore: admission.restore } : braked;
  }
  const ms = Math.round(deps.clock.monotonicMs() - started);
  return {
    admitted: false,
    result: await refuse(deps, draft, held, { workspaceId: admission.workspace.id, ms, step: 'hold' }),
    error: held,
  };
}

/** [storm] An automatic recovery waits for its wave, or is refused while its scope's breaker is open. */
async function passTheBrake(
  deps: CoreDeps,
  draft: ResultDraft,
  options: RunOptions,
  workspace: WorkspaceRow,
): Promise<Admission> {
  const started = deps.clock.monotonicMs();
  try {
    const pass = await passBreaker(deps, draft, options, workspace);
    if (pass.go) return { admitted: true, workspace, ticket: pass.ticket };
    const ms = Math.round(deps.clock.monotonicMs() - started);
    const tie = { workspaceId: workspace.id, ms, step: 'breaker' };
    // A workspace's first skip in an opening is on the record; the next are counted (breaker_skips).
    const result = pass.record
      ? await refuse(deps, draft, pass.refusal, tie)
      : unrecorded(deps, draft, pass.refusal, tie);
    return { admitted: false, result, error: pass.refusal };
  } catch (error) {
    draft.fail(error);
    return { admitted: false, result: draft.finish([], deps.clock.now()), error: asMedicError(error) };
  }
}

async function admitByPolicy(
  deps: CoreDeps,
  draft: ResultDraft,
  options: RunOptions,
  request: AdmissionRequest,
): Promise<Admission> {
  const stop = (error: unknown): Admission => {
    draft.fail(error);
    return { admitted: false, result: draft.finish([], deps.clock.now()), error: asMedicError(error) };
  };
  const { grant, client } = options;
  if (!grant && !client) {
    try {
      return { admitted: true, workspace: await request.resolve() };
    } catch (error) {
      return stop(error);
    }
  }
  const started = deps.clock.monotonicMs();
  let workspace = null as WorkspaceRow | null;
  let unresolved: MedicError | null = null;
  let restore: RestoreOverride | undefined;
  try {
    const stored = await currentPolicy(deps.db);
    try {
      workspace = await request.resolve();
    } catch (error) {
      // A target that names no workspace: what to say depends on the policy (below).
      if (!(error instanceof MedicError) || error.code === 'INTERNAL') throw error;
      unresolved = error;
    }
    if (grant) {
      const rule = checkGrant(stored, grant, {
        ...request,
        elevated: isElevated(draft.command, options),
        workspace,
      });
      requireApproval(rule, draft.command, options);
      restore = rule.restore;
    }
    if (client) {
      restore = checkClient(stored, client, {
        ability: draft.command,
        force: draft.command === 'recover' && (options.force ?? false),
        target: request.target,
        workspace,
      }).restore;
    }
  } catch (error) {
    if (!(error instanceof RefusalError)) return stop(error);
    const ms = Math.round(deps.clock.monotonicMs() - started);
    return {
      admitted: false,
      result: await refuse(deps, draft, error, { workspaceId: workspace?.id ?? null, ms }),
      error,
    };
  }
  return workspace ? { admitted: true, workspace, ...(restore ? { restore } : {}) } : stop(unresolved);
}

/**
 * A command refused before it named a single workspace that could be checked (the repository
 * is not granted, the commenter is below the floor, too many targets, too many commands):
 * stored as a refused run, tied to the workspace `target` names when there is one.
 */
export async function refuseCommand(
  deps: CoreDeps,
  refusal: {
    readonly command: RecoveryResult['command'];
    readonly target: string;
    readonly options: RunOptions;
    readonly error: RefusalError;
  },
): Promise<RecoveryResult> {
  const { command, target, options, error } = refusal;
  const draft = ResultDraft.begin(deps.clock, command, options, target);
  let workspaceId: string | null = null;
  try {
    const parsed = parseTarget(target);
    draft.target(parsed);
    workspaceId = (await findWorkspace(deps.db, parsed)).id;
  } catch {
    // Not a workspace (or not one only): the refusal stands untied.
  }
  return refuse(deps, draft, error, { workspaceId, ms: 0 });
}

/** For callers that need to tell a refusal's error apart (the doors' reactions). */
export function isRefusal(error: unknown): error is RefusalError {
  return asMedicError(error) instanceof RefusalError;
}

/**
 * The policy's `approval:` holds for every GitHub door, not only for comments: a command it
 * gates runs only with the approval ChatOps collected (RunOptions.approval), unless the rule
 * exempts the door (the action, when its workflow has a GitHub environment of its own).
 */
function requireApproval(rule: PolicyRule, command: RecoveryResult['command'], options: RunOptions): void {
  const needed =
    command === 'rollback'
      ? (rule.approval?.rollback ?? 0)
      : command === 'recover' && options.force && !options.dryRun
        ? (rule.approval?.force ?? 0)
        : 0;
  if (needed === 0 || options.approval) return;
  const source = options.source;
  if (source === 'action' && rule.approval?.exempt.includes('action')) return;
  throw new ApprovalRequiredError(
    `${rule.repo} asks ${needed} approval${needed > 1 ? 's' : ''} for ${command === 'rollback' ? '/rollback' : '--force'}, and this ${source} request carries none`,
    {
      hint: "ask on an issue (the action: set issue-number) so that another person can /approve it, or gate the workflow with a GitHub environment and list `action` under the rule's approval exempt",
    },
  );
}
