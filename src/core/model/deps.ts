// What the core needs from its door, passed in whole: no globals, no module mocks.

import type { MedicConfig } from './config.js';
import type { Clock, ContainerRuntime, Database, Logger, RunTracer, TemplateSource } from './ports.js';
import type { RestoreOverride } from './restore-policy.js';
import type { Origin, Source, Step } from './result.js';
import type { WorkspaceRow } from './workspace-row.js';

/** Told of each step as it ends (progress in the doors). */
export type StepListener = (step: Step, index: number) => void;

export interface CoreDeps {
  readonly db: Database;
  readonly runtime: ContainerRuntime;
  /** The runtime templates (CONFIGS_DIR). */
  readonly templates: TemplateSource;
  readonly config: MedicConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Names this process in lease rows, e.g. `host:pid`. */
  readonly holder: string;
  /** [pager] Traces of finished runs; unset: none (OTEL_EXPORTER_OTLP_ENDPOINT unset). */
  readonly tracer?: RunTracer;
}

/** Who asked for an approved command, and who approved it. */
export interface Approval {
  readonly id: string;
  readonly requestedBy: string;
  readonly approvedBy: readonly string[];
}

export interface RunOptions {
  readonly dryRun?: boolean;
  readonly force?: boolean;
  /**
   * `template`: write every file of the template over what the volume holds (the seed's old
   * behaviour). Unset: fill in what is missing and keep the user's files (restore-plan.ts).
   */
  readonly from?: 'template';
  /** [keep] Set by the policy check: the admitting rule's (or client's) `restore:`, over the policy's. */
  readonly restore?: RestoreOverride;
  /** [keep] A dry run's `restore.plan`: the run writes exactly that plan, or refuses (PLAN_CHANGED). */
  readonly plan?: string;
  readonly reason?: string | null;
  readonly actor: string;
  readonly source: Source;
  readonly onStep?: StepListener;
  /** Set by the doors from GitHub: the policy is checked before the lease. Unset: an operator's tool. */
  readonly grant?: Grant;
  /** Set by the HTTP API: the client (a token's) the policy's `clients` must grant. */
  readonly client?: ClientGrant;
  /** A command run once other people approved it (ChatOps approvals): in its steps and its result. */
  readonly approval?: Approval;
  /** When the breakage was first seen, when the door knows better than the row (a container's death). */
  readonly detectedAt?: string;
  /**
   * The target's row as the caller has just read it (the watcher, which read it to decide to
   * heal): admission takes it instead of reading it again. The run's writes to the row stay
   * guarded by the status they expect, so a row changed since is not overwritten.
   */
  readonly found?: WorkspaceRow;
  /** The run's id when the door chose it beforehand (the HTTP API, for its idempotency record). */
  readonly runId?: string;
  /**
   * For a run done as a queued job or task: resolves while that work is still this worker's
   * (its worker and attempt), and throws TASK_LOST once another worker took it over. Asked
   * before every step that changes the workspace, so a stalled worker that wakes changes nothing.
   */
  readonly fence?: () => Promise<void>;
  /**
   * A person's interrupt (the CLI's first Ctrl-C): honoured before the run's first change (it
   * ends INTERRUPTED, nothing changed); once the run has begun changing the workspace it
   * finishes (seed, start, mark online), so an interrupt never leaves a workspace stopped.
   */
  readonly interrupt?: AbortSignal;
  /**
   * [storm] An unattended run whose source does not say so (`medic sweep`, run from cron): the
   * breaker and the waves hold it back as they do the watcher's (`auto`) and the API's without force.
   */
  readonly automatic?: boolean;
  /** [pager] The caller's W3C `traceparent`: the run's trace joins it (checked by the door). */
  readonly traceparent?: string;
}

/** What a door from GitHub knows of a request: where it came from and the role held there. */
export interface Grant {
  /** `owner/name` of the repository the command came from. */
  readonly repo: string;
  /** GitHub's id of that repository (the delivery's `repository.id`, the action's GITHUB_REPOSITORY_ID). */
  readonly repoId: number | null;
  /** GitHub's id of its owner (`repository.owner.id`, GITHUB_REPOSITORY_OWNER_ID). */
  readonly ownerId: number | null;
  /** The commenter's (or workflow actor's) GitHub role_name on that repository. */
  readonly role: string;
  readonly origin: Origin;
}

/** What the HTTP API knows of a request: the client its bearer token belongs to. */
export interface ClientGrant {
  /** The client's name in the policy's `clients` (its runs' actor). */
  readonly name: string;
}
