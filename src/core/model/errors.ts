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

export class InvalidTargetError extends MedicError {
  readonly code = 'INVALID_TARGET';
}
export class InvalidConfigError extends MedicError {
  readonly code = 'INVALID_CONFIG';
}
export class WorkspaceNotFoundError extends MedicError {
  readonly code = 'WORKSPACE_NOT_FOUND';
}
export class AmbiguousWorkspaceError extends MedicError {
  readonly code = 'AMBIGUOUS_WORKSPACE';
}
export class RunNotFoundError extends MedicError {
  readonly code = 'RUN_NOT_FOUND';
}
export class InvalidRuntimeError extends MedicError {
  readonly code = 'INVALID_RUNTIME';
}
export class TemplateNotFoundError extends MedicError {
  readonly code = 'TEMPLATE_NOT_FOUND';
}
export class TemplateEscapeError extends MedicError {
  readonly code = 'TEMPLATE_ESCAPE';
}
export class TemplateInvalidError extends MedicError {
  readonly code = 'TEMPLATE_INVALID';
}
export class TemplateTooLargeError extends MedicError {
  readonly code = 'TEMPLATE_TOO_LARGE';
}
export class StatusNotRecoverableError extends MedicError {
  readonly code = 'STATUS_NOT_RECOVERABLE';
}
export class StatusChangedError extends MedicError {
  readonly code = 'STATUS_CHANGED';
}
export class RestartBudgetExceededError extends MedicError {
  readonly code = 'RESTART_BUDGET_EXCEEDED';
}
export class ContainerNotFoundError extends MedicError {
  readonly code = 'CONTAINER_NOT_FOUND';
}
export class ConfigMountMissingError extends MedicError {
  readonly code = 'CONFIG_MOUNT_MISSING';
}
export class ContainerStartFailedError extends MedicError {
  readonly code = 'CONTAINER_START_FAILED';
}
export class StartTimeoutError extends MedicError {
  readonly code = 'START_TIMEOUT';
}
export class SnapshotTooLargeError extends MedicError {
  readonly code = 'SNAPSHOT_TOO_LARGE';
}
export class NoSnapshotError extends MedicError {
  readonly code = 'NO_SNAPSHOT';
}
export class SnapshotInvalidError extends MedicError {
  readonly code = 'SNAPSHOT_INVALID';
}
export class DockerUnavailableError extends MedicError {
  readonly code = 'DOCKER_UNAVAILABLE';
}
export class DockerOperationError extends MedicError {
  readonly code = 'DOCKER_ERROR';
}
/** A run whose lease another run took over (it stalled past its TTL): it stops before its next change. */
export class LeaseLostError extends MedicError {
  readonly code = 'LEASE_LOST';
}

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
export class DatabaseUnavailableError extends MedicError {
  readonly code = 'DATABASE_UNAVAILABLE';
}

/**
 * A command the operator's policy (or a repository's tightening of it) does not allow. Its
 * run is stored with outcome `refused`; nothing was changed.
 */
export abstract class RefusalError extends MedicError {}

export class RepoNotGrantedError extends RefusalError {
  readonly code = 'REPO_NOT_GRANTED';
}
export class WorkspaceNotGrantedError extends RefusalError {
  readonly code = 'WORKSPACE_NOT_GRANTED';
}
export class PermissionDeniedError extends RefusalError {
  readonly code = 'PERMISSION_DENIED';
  constructor(
    readonly required: string,
    readonly held: string,
    message: string,
    options: { hint?: string } = {},
  ) {
    super(message, options);
  }
}
export class TooManyTargetsError extends RefusalError {
  readonly code = 'TOO_MANY_TARGETS';
}
export class RateLimitedError extends RefusalError {
  readonly code = 'RATE_LIMITED';
}
export class InvalidPolicyError extends MedicError {
  readonly code = 'INVALID_POLICY';
}

/** Any throwable as a MedicError; an unexpected error keeps its message under INTERNAL. */
export function asMedicError(error: unknown): MedicError {
  if (error instanceof MedicError) return error;
  return new InternalError(error instanceof Error ? error.message : String(error), { cause: error });
}

export class InternalError extends MedicError {
  readonly code = 'INTERNAL';
}

/** Codes of errors that are the caller's mistake (CLI exit 2, nothing was changed). */
export const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'INVALID_TARGET',
  'INVALID_CONFIG',
  'WORKSPACE_NOT_FOUND',
  'AMBIGUOUS_WORKSPACE',
  'RUN_NOT_FOUND',
  'INVALID_POLICY',
]);
