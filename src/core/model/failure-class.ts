// [storm] What kind of failure a failed run met, and whether another automatic attempt can
// help: the watcher and the agents back off from what retrying cannot fix (an image that is
// gone, a full disk, a port another container holds, a template that does not exist), and the
// report groups failures by it. Read from the error's stable code and, for the engine's own
// errors, from what Docker said (its messages are stable across releases for these).
// Additive to result v1 (`class`, `retryable`, on failed results; null otherwise).

export const FAILURE_CLASSES = [
  'template_missing',
  'template_invalid',
  'image_missing',
  'disk_full',
  'port_conflict',
  'start_failed',
  'config_mount_missing',
  'container_missing',
  'snapshot_too_large',
  'plan_changed',
  'budget_exhausted',
  'status_changed',
  'engine_unavailable',
  'engine_error',
  'database_unavailable',
  'lease_lost',
  'not_allowed',
  'breaker_open',
  'invalid_request',
  'unknown',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface Classified {
  readonly class: FailureClass;
  /** Whether trying again, with nothing else changed, can succeed. */
  readonly retryable: boolean;
}

/** What Docker says of causes that retrying cannot fix, whichever step met them. */
const ENGINE_SAYS: ReadonlyArray<readonly [RegExp, FailureClass]> = [
  [/no such image|image .* not found|pull access denied|manifest unknown/i, 'image_missing'],
  [/no space left on device|ENOSPC|disk quota exceeded/i, 'disk_full'],
  [/port is already allocated|address already in use/i, 'port_conflict'],
];

const BY_CODE: Readonly<Record<string, Classified>> = {
  TEMPLATE_NOT_FOUND: { class: 'template_missing', retryable: false },
  INVALID_RUNTIME: { class: 'template_missing', retryable: false },
  TEMPLATE_ESCAPE: { class: 'template_invalid', retryable: false },
  TEMPLATE_INVALID: { class: 'template_invalid', retryable: false },
  TEMPLATE_TOO_LARGE: { class: 'template_invalid', retryable: false },
  CONTAINER_START_FAILED: { class: 'start_failed', retryable: true },
  START_TIMEOUT: { class: 'start_failed', retryable: true },
  CONFIG_MOUNT_MISSING: { class: 'config_mount_missing', retryable: false },
  CONTAINER_NOT_FOUND: { class: 'container_missing', retryable: false },
  SNAPSHOT_TOO_LARGE: { class: 'snapshot_too_large', retryable: false },
  PLAN_CHANGED: { class: 'plan_changed', retryable: false },
  RESTART_BUDGET_EXCEEDED: { class: 'budget_exhausted', retryable: false },
  STATUS_NOT_RECOVERABLE: { class: 'status_changed', retryable: false },
  STATUS_CHANGED: { class: 'status_changed', retryable: false },
  DOCKER_UNAVAILABLE: { class: 'engine_unavailable', retryable: true },
  ENGINE_UNAVAILABLE: { class: 'engine_unavailable', retryable: true },
  WORKSPACE_NOT_PLACED: { class: 'engine_unavailable', retryable: true },
  DOCKER_ERROR: { class: 'engine_error', retryable: true },
  DATABASE_UNAVAILABLE: { class: 'database_unavailable', retryable: true },
  LEASE_LOST: { class: 'lease_lost', retryable: true },
  TASK_LOST: { class: 'lease_lost', retryable: true },
  PERMISSION_DENIED: { class: 'not_allowed', retryable: false },
  REPO_NOT_GRANTED: { class: 'not_allowed', retryable: false },
  WORKSPACE_NOT_GRANTED: { class: 'not_allowed', retryable: false },
  CLIENT_NOT_GRANTED: { class: 'not_allowed', retryable: false },
  WORKSPACE_HELD: { class: 'not_allowed', retryable: false },
  BREAKER_OPEN: { class: 'breaker_open', retryable: false },
  INVALID_TARGET: { class: 'invalid_request', retryable: false },
  WORKSPACE_NOT_FOUND: { class: 'invalid_request', retryable: false },
  AMBIGUOUS_WORKSPACE: { class: 'invalid_request', retryable: false },
  RUN_NOT_FOUND: { class: 'invalid_request', retryable: false },
  NO_SNAPSHOT: { class: 'invalid_request', retryable: false },
};

/** The class of a failure with this error code and message. */
export function classifyFailure(code: string, message: string): Classified {
  for (const [says, cls] of ENGINE_SAYS) if (says.test(message)) return { class: cls, retryable: false };
  return BY_CODE[code] ?? { class: 'unknown', retryable: true };
}
