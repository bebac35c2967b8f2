// Every failure the core reports is a MedicError with a stable `code`; callers branch on
// the code (or the class), never on message text. INPUT_ERROR_CODES (below) are the
// caller's mistakes: exit 2, nothing changed.

export abstract class MedicError extends Error {
  abstract readonly code: string;
  /** What an operator can do about it; shown after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** A MedicError class with a fixed code, declared in one line: `class X extends coded('X') {}`. */
function coded<C extends string>(code: C) {
  return class extends MedicError {
    readonly code: C = code;
  };
}

export class InvalidTargetError extends coded('INVALID_TARGET') {}
export class InvalidConfigError extends coded('INVALID_CONFIG') {}
export class WorkspaceNotFoundError extends coded('WORKSPACE_NOT_FOUND') {}
export class AmbiguousWorkspaceError extends coded('AMBIGUOUS_WORKSPACE') {}
export class RunNotFoundError extends coded('RUN_NOT_FOUND') {}
export class InvalidRuntimeError extends coded('INVALID_RUNTIME') {}
export class TemplateNotFoundError extends coded('TEMPLATE_NOT_FOUND') {}
export class TemplateEscapeError extends coded('TEMPLATE_ESCAPE') {}
export class TemplateInvalidError extends coded('TEMPLATE_INVALID') {}
export class TemplateTooLargeError extends coded('TEMPLATE_TOO_LARGE') {}
export class StatusNotRecoverableError extends coded('STATUS_NOT_RECOVERABLE') {}
export class StatusChangedError extends coded('STATUS_CHANGED') {}
export class RestartBudgetExceededError extends coded('RESTART_BUDGET_EXCEEDED') {}
export class ContainerNotFoundError extends coded('CONTAINER_NOT_FOUND') {}
export class ConfigMountMissingError extends coded('CONFIG_MOUNT_MISSING') {}
export class ContainerStartFailedError extends coded('CONTAINER_START_FAILED') {}
export class StartTimeoutError extends coded('START_TIMEOUT') {}
export class SnapshotTooLargeError extends coded('SNAPSHOT_TOO_LARGE') {}
/** [keep] A run bound to a dry run's plan found the volume changed since: nothing was written. */
export class PlanChangedError extends coded('PLAN_CHANGED') {}
export class NoSnapshotError extends coded('NO_SNAPSHOT') {}
export class SnapshotInvalidError extends coded('SNAPSHOT_INVALID') {}
export class DockerUnavailableError extends coded('DOCKER_UNAVAILABLE') {}
export class DockerOperationError extends coded('DOCKER_ERROR') {}
/** A run whose lease another run took over (it stalled past its TTL): it stops before its next change. */
export class LeaseLostError extends coded('LEASE_LOST') {}
/** A run done for a queued job or task that another worker took over (this one stalled): it stops before its next change. */
export class TaskLostError extends coded('TASK_LOST') {}

/** Outcome `busy`: another live run holds the workspace's lease. */
export class LeaseHeldError extends MedicError {
  readonly code = 'LEASE_HELD';
  constructor(
    readonly holderRunId: string,
    holder: string,
  ) {
    super(`another run (${holderRunId}, ${holder}) is recovering this workspace`, {
      hint: 'wait for it to finish; its lease lapses if its process died',
    });
  }
}
export class DatabaseUnavailableError extends coded('DATABASE_UNAVAILABLE') {}
/** Another medic process has the embedded database open (it has one writer). */
export class DatabaseInUseError extends coded('DATABASE_IN_USE') {}
/** The embedded database's directory lets group or others in (it holds volume snapshots). */
export class InsecureDataDirError extends coded('INSECURE_DATA_DIR') {}
/** A GitHub call a command needs (a permission look-up) failed; retrying later may work. */
export class GitHubUnavailableError extends coded('GITHUB_UNAVAILABLE') {}
/** A run stopped by an interrupt (Ctrl-C, SIGTERM) at a safe point: before its first change, or after finishing one. */
export class InterruptedError extends coded('INTERRUPTED') {}
/** The HTTP API runs as many recoveries as MEDIC_API_MAX_RUNS allows; this call started nothing. */
export class ServiceBusyError extends coded('API_BUSY') {}

/**
 * A command the operator's policy (or a repository's tightening of it) does not allow. Its
 * run is stored with outcome `refused`; nothing was changed.
 */
export abstract class RefusalError extends MedicError {}

function refusal<C extends string>(code: C) {
  return class extends RefusalError {
    readonly code: C = code;
  };
}

export class RepoNotGrantedError extends refusal('REPO_NOT_GRANTED') {}
export class WorkspaceNotGrantedError extends refusal('WORKSPACE_NOT_GRANTED') {}
/** The commenter's role is below what the command needs; the message names both. */
export class PermissionDeniedError extends RefusalError {
  readonly code = 'PERMISSION_DENIED';
  readonly required: string;
  readonly held: string;
  constructor(denial: {
    readonly required: string;
    readonly held: string;
    /** Where the permission is needed: `owner/name`. */
    readonly on: string;
    /** Why this much: the elevated commands, a repository's own file. */
    readonly because?: string;
  }) {
    const why = denial.because ? ` (${denial.because})` : '';
    super(`this needs ${denial.required} permission on ${denial.on}${why}; you have ${denial.held}`);
    this.required = denial.required;
    this.held = denial.held;
  }
}

/** The commenter is not among the users or teams a repository's .github/medic.yml allows. */
export class NotAllowedError extends refusal('PERMISSION_DENIED') {}
export class TooManyTargetsError extends refusal('TOO_MANY_TARGETS') {}
export class RateLimitedError extends refusal('RATE_LIMITED') {}
/** An HTTP API client (a token's) that the operator's policy does not list under `clients`. */
export class ClientNotGrantedError extends refusal('CLIENT_NOT_GRANTED') {}
/** A hold keeps everyone off the workspace until it ends; the message names holder, reason, end. */
export class WorkspaceHeldError extends refusal('WORKSPACE_HELD') {}
/** [storm] Too many broken at once in a scope, or a wave failed: the automatic paths wait for a person. */
export class BreakerOpenError extends refusal('BREAKER_OPEN') {}
/** The policy asks other people's approval for this command, and it came from GitHub without one. */
export class ApprovalRequiredError extends refusal('APPROVAL_REQUIRED') {}
export class InvalidPolicyError extends coded('INVALID_POLICY') {}
/** `policy apply` could not pin a rule to GitHub's ids: no GitHub access and no `id:` in the file. */
export class PolicyUnresolvedError extends coded('POLICY_UNRESOLVED') {}

/** Any throwable as a MedicError; an unexpected error keeps its message under INTERNAL. */
export function asMedicError(error: unknown): MedicError {
  if (error instanceof MedicError) return error;
  return new InternalError(error instanceof Error ? error.message : String(error), { cause: error });
}

export class InternalError extends coded('INTERNAL') {}

/** The HTTP API: no bearer token, or one that is unknown or revoked. */
export class UnauthenticatedError extends coded('UNAUTHENTICATED') {}
/** The HTTP API: a body or header that does not fit the operation's schema. */
export class InvalidRequestError extends coded('INVALID_REQUEST') {}
/** The HTTP API: an Idempotency-Key used before with another body. */
export class IdempotencyKeyReusedError extends coded('IDEMPOTENCY_KEY_REUSED') {}

/** The fleet: no agent has seen the workspace's container on any engine. */
export class WorkspaceNotPlacedError extends coded('WORKSPACE_NOT_PLACED') {}
/** The fleet: the engine that holds the workspace has no live agent (the message names it). */
export class EngineUnavailableError extends coded('ENGINE_UNAVAILABLE') {}
/** The fleet: a task's stored answer does not match the schema both sides share. */
export class TaskAnswerInvalidError extends coded('TASK_ANSWER_INVALID') {}

/** An error reported by another process (an agent), rebuilt with its code, message and hint. */
export class ReportedError extends MedicError {
  readonly code: string;
  constructor(reported: { readonly code: string; readonly message: string; readonly hint?: string | null }) {
    super(reported.message, reported.hint ? { hint: reported.hint } : {});
    this.code = reported.code;
  }
}

/** Codes of errors that are the caller's mistake (CLI exit 2, nothing was changed). */
export const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'INVALID_TARGET',
  'INVALID_CONFIG',
  'WORKSPACE_NOT_FOUND',
  'AMBIGUOUS_WORKSPACE',
  'RUN_NOT_FOUND',
  'INVALID_POLICY',
  'POLICY_UNRESOLVED',
  'INSECURE_DATA_DIR',
  'INVALID_REQUEST',
  'IDEMPOTENCY_KEY_REUSED',
  'UNAUTHENTICATED',
]);
