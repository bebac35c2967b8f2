// Every error code medic reports, what it means and what to do: the source of the error table
// in docs/result.md (generated; the docs test fails when a code of errors.ts is missing here).
// The message of each error says what happened this time; this says what the code always means.

export interface CatalogEntry {
  readonly meaning: string;
  readonly action: string;
}

export const ERROR_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  INVALID_TARGET: {
    meaning: 'the target is neither `ws-<first 12 characters of the id>` nor a workspace id',
    action: 'name the workspace as `ws-<id12>` or by its uuid',
  },
  INVALID_CONFIG: {
    meaning:
      'a setting (an environment variable, a flag, an action input) is invalid; every bad one is named',
    action: 'fix the named settings ([configuration.md](configuration.md))',
  },
  WORKSPACE_NOT_FOUND: {
    meaning: 'no workspace row has that id',
    action: 'check the id against the platform',
  },
  AMBIGUOUS_WORKSPACE: {
    meaning: 'more than one workspace id starts with those 12 characters',
    action: 'name it by its full uuid',
  },
  RUN_NOT_FOUND: {
    meaning: 'no run has that id (rollback)',
    action: '`medic history <target>` lists the runs',
  },
  INSECURE_DATA_DIR: {
    meaning: "the embedded database's directory lets group or others in (it holds volume snapshots)",
    action: 'run the `chmod` the message names',
  },
  INVALID_POLICY: {
    meaning: "the operator's policy file is invalid",
    action: 'fix the rule the message names',
  },
  POLICY_UNRESOLVED: {
    meaning:
      "a policy rule cannot be pinned to GitHub's repository ids (no GitHub access and no `id:`, or GitHub failed)",
    action: 'set `APP_ID`/`PRIVATE_KEY` or `GITHUB_TOKEN`, or give each rule its `id:`',
  },
  INVALID_RUNTIME: {
    meaning: "the workspace's runtime is not a plain template name",
    action: "fix the row's `runtime` in the platform",
  },
  TEMPLATE_NOT_FOUND: {
    meaning: "no template for the workspace's runtime; the row is set `failed`",
    action: 'add `<runtime>/` under the template root (`medic templates` lists them)',
  },
  TEMPLATE_ESCAPE: {
    meaning: 'a template entry (a symlink, `..`) leads outside the template root',
    action: 'fix the template; nothing was written',
  },
  TEMPLATE_INVALID: {
    meaning: 'a template is unreadable or has no `config.yaml`',
    action: 'fix the template',
  },
  TEMPLATE_TOO_LARGE: {
    meaning: 'a template is over `MEDIC_TEMPLATE_MAX_BYTES` or 2,000 files',
    action: 'shrink it, or raise the cap',
  },
  STATUS_NOT_RECOVERABLE: {
    meaning: 'the platform parked the workspace (removed, paused, hibernated); medic does not touch it',
    action: 'change its status in the platform first',
  },
  STATUS_CHANGED: {
    meaning: 'the row changed during the run (the platform parked it); it was left as is',
    action: 'the workspace runs; stop it if the platform parked it on purpose',
  },
  RESTART_BUDGET_EXCEEDED: {
    meaning: 'the workspace was recovered `MEDIC_RESTART_BUDGET` times in its window',
    action: 'find out why it keeps breaking; `--force` (elevated) goes past the budget',
  },
  CONTAINER_NOT_FOUND: {
    meaning: "the workspace's container does not exist",
    action: 'the platform must create it',
  },
  CONFIG_MOUNT_MISSING: {
    meaning: 'the container has no named volume at /configs',
    action: 'the platform must create it with its config volume',
  },
  CONTAINER_START_FAILED: {
    meaning: 'the container would not start, exited, or reports unhealthy; the row is set `failed`',
    action: '`docker logs` and `docker inspect` the container; its config is kept for the next try',
  },
  START_TIMEOUT: {
    meaning: 'the container was not running (and healthy) within `MEDIC_START_TIMEOUT_S`',
    action: 'raise the timeout if the workspace is slow to start',
  },
  SNAPSHOT_TOO_LARGE: {
    meaning: 'what the volume holds is over `MEDIC_SNAPSHOT_MAX_BYTES`; nothing was seeded over it',
    action: 'raise the cap, or empty the volume on purpose first',
  },
  PLAN_CHANGED: {
    meaning:
      "a run given `--plan` (a dry run's plan digest) found the volume changed since that plan; nothing was written (a container it had stopped runs again)",
    action: 'run the dry run again and check its files, then run with the new `--plan` (or without one)',
  },
  NO_SNAPSHOT: {
    meaning: 'that run kept no snapshot (its volume was empty)',
    action: 'nothing to roll back to',
  },
  SNAPSHOT_INVALID: {
    meaning: 'a stored snapshot is not a tar of entries under /configs',
    action: 'it is refused, not restored; pick another run',
  },
  DOCKER_UNAVAILABLE: {
    meaning: 'the Docker engine does not answer',
    action: 'check the engine and `DOCKER_HOST`; `medic doctor` says which',
  },
  DOCKER_ERROR: { meaning: 'the engine refused an operation', action: 'the message quotes the engine' },
  LEASE_LOST: {
    meaning:
      'the run lost its lease (it stalled past its TTL, or its database session went away) and stopped before its next change',
    action: 'run it again; the app and the agents do so themselves after a Postgres restart',
  },
  TASK_LOST: {
    meaning:
      'the job or task this run did was taken over by another worker (this one stalled); it stopped before its next change',
    action: 'none: the other worker carries it on',
  },
  LEASE_HELD: {
    meaning: 'another run holds the workspace (outcome `busy`)',
    action: 'wait for it; the message names it',
  },
  DATABASE_UNAVAILABLE: {
    meaning: 'Postgres cannot be reached',
    action: 'check the server and `DATABASE_URL`; nothing was changed before the first step',
  },
  DATABASE_IN_USE: {
    meaning:
      'another process (named in the message) has the embedded database open by itself (MEDIC_EMBEDDED_IDLE_S=0, or an older medic); it has one writer, so this one refused at once and changed nothing',
    action:
      'wait for that process, or stop it; leave MEDIC_EMBEDDED_IDLE_S at its default (the holder serves several medic processes at once), or give them a Postgres server with `DATABASE_URL`',
  },
  GITHUB_UNAVAILABLE: {
    meaning: 'a GitHub call a command needs (a permission look-up) failed; nothing ran',
    action: 'comment the command again in a minute',
  },
  REPO_NOT_GRANTED: {
    meaning:
      "the operator's policy grants this repository nothing (or it was created, renamed or re-created after the policy was applied)",
    action: 'an operator applies a policy that grants it (`medic policy apply`)',
  },
  WORKSPACE_NOT_GRANTED: {
    meaning: "the repository's rule (or the API client's) does not select this workspace",
    action: "an operator widens the rule's (or the client's) `workspaces`",
  },
  PERMISSION_DENIED: {
    meaning:
      'the commenter holds less than the role the rule (or the repository file) asks, or is not among its users; an API client asked for what its `may` does not list',
    action: 'ask someone who holds it',
  },
  TOO_MANY_TARGETS: { meaning: 'the comment names more workspaces than allowed', action: 'split it' },
  RATE_LIMITED: {
    meaning:
      'more than 20 commands by one actor in 10 minutes; over the HTTP API, more than 60 calls by one client in a minute',
    action: 'wait (the API says how long in `Retry-After`)',
  },
  INTERRUPTED: {
    meaning:
      'the command was interrupted (Ctrl-C, SIGTERM): its run ended `interrupted` at a safe point, before its first change (nothing changed) or, once it had begun one, after finishing it (seed, start, mark online), so no workspace is left stopped',
    action: 'run the same command again when you are ready (a workspace it finished is found healthy)',
  },
  API_BUSY: {
    meaning:
      'this replica of the HTTP API runs `MEDIC_API_MAX_RUNS` recoveries already; the call started nothing',
    action: 'call again after `Retry-After`, with the same Idempotency-Key',
  },
  APPROVAL_REQUIRED: {
    meaning:
      "the policy asks other people's approval for this command (`approval:`), and it came from GitHub without one (a `workflow_dispatch` with `force` and no issue)",
    action:
      "ask on an issue (`issue-number`, or `/recover … --force` in a comment) so that others can `/approve` it, or gate the workflow with a GitHub environment and list `action` under the rule's `approval: {exempt: [action]}`",
  },
  WORKSPACE_HELD: {
    meaning: 'someone holds the workspace (`medic hold`, `/hold`): medic keeps off it until the hold ends',
    action: 'wait for its end, ask the holder, or `--force` with the elevated role (which ends the hold)',
  },
  BREAKER_OPEN: {
    meaning:
      "an automatic recovery (the watcher, an agent, a sweep, the API without `force`) was not started: more workspaces in its scope are broken at once than the policy's `autoheal.max_unhealthy`, or a wave of recoveries failed past `autoheal.max_failure_ratio`",
    action:
      'find the common cause (`medic status` lists the skipped workspaces), then `medic breaker close --reason TEXT`; a person can still `medic recover` or `/recover` one',
  },
  CLIENT_NOT_GRANTED: {
    meaning: "the HTTP API client a token belongs to is not under the policy's `clients`",
    action: 'add the client to the policy and apply it',
  },
  UNAUTHENTICATED: {
    meaning: 'an HTTP API call without a bearer token, or with one that is unknown or revoked',
    action: 'send `Authorization: Bearer <token>` with a token from `medic token create <client>`',
  },
  INVALID_REQUEST: {
    meaning: "an HTTP API call's body or headers do not fit the operation (the message names what)",
    action: 'see docs/api.md and `/api/v1/openapi.json`',
  },
  IDEMPOTENCY_KEY_REUSED: {
    meaning: 'an Idempotency-Key sent again within 24 hours with another body',
    action: 'use a new key for a new request (derive it from what makes the request unique)',
  },
  WORKSPACE_NOT_PLACED: {
    meaning: 'in a fleet, no agent has seen the workspace on any engine',
    action: 'run `medic agent` on the Docker host that holds it',
  },
  ENGINE_UNAVAILABLE: {
    meaning: "in a fleet, the workspace's engine has no live agent",
    action: 'start `medic agent --engine <name>` there, then ask again',
  },
  TASK_ANSWER_INVALID: {
    meaning: "an agent's stored answer does not match the schema (an agent of another version?)",
    action: 'run the same medic version on the app and the agents',
  },
  INTERNAL: { meaning: 'a bug: something medic did not expect', action: 'report it with the log line' },
};

/** What to do about an error of this code, as plain text (no Markdown backticks); null when it is not catalogued. */
export function nextStep(code: string): string | null {
  return ERROR_CATALOG[code]?.action.replace(/`/g, '') ?? null;
}
