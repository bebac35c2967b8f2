// What every ChatOps step is handed: the door's dependencies (ChatOpsDeps), one comment's
// request (CommandContext), and what handling a comment came to (ChatOpsOutcome). In a file of
// their own so that the steps (handle-comment, run-command, replies) import it, not each other.
import type { CoreDeps, Executor, Grant, Logger, RecoveryResult, Source } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { WritePacer } from '../github/write-pacer.js';
import type { FloorQueue } from './floor.js';

export interface ChatOpsDeps {
  readonly core: CoreDeps;
  readonly github: GitHubPort;
  readonly logger: Logger;
  readonly source: Extract<Source, 'app' | 'action'>;
  /** Least time between two edits of a status comment. */
  readonly editIntervalMs: number;
  /** Comments older than this are ignored (MEDIC_COMMENT_MAX_AGE_S). */
  readonly commentMaxAgeS: number;
  /**
   * The door left out bots, chatter and old comments as the comment arrived (the app, before it
   * stored the job): the flow does not judge them again, so a job that waited in the queue is
   * not dropped as too old when it runs.
   */
  readonly filteredOnArrival?: boolean;
  /** The installation's write pacer: every write to GitHub goes through it. */
  readonly writes: WritePacer;
  /** Where commands run: this process (the default), or the agents of the workspaces' engines. */
  readonly executor?: Executor;
  /** The job's fence (src/work/queue): every run of this comment stops before a change once the job is not ours. */
  readonly fence?: () => Promise<void>;
  /** The app's installation id (stored with a request for approval, so its expiry can be told). */
  readonly installation?: number;
  /** One floor check at a time per actor and repository (the app's, shared by its jobs). */
  readonly floors?: FloorQueue;
  /** The caller's W3C traceparent (the action's input): its runs join that trace. */
  readonly traceparent?: string;
}

export interface ChatOpsOutcome {
  readonly handled: boolean;
  readonly why: string;
  readonly results: readonly RecoveryResult[];
  readonly closed: boolean;
}

/** One comment's request: who asked, where, with which grant, and what the status comment should note. */
export interface CommandContext {
  readonly deps: ChatOpsDeps;
  readonly issue: number;
  readonly actor: string;
  /** The actor's GitHub user id (approvals count people by it; the login is only shown). */
  readonly actorId?: number | null;
  readonly grant: Grant;
  /** When the incident this comment is on was opened: its runs' breakage was seen by then. */
  readonly detectedAt?: string;
  /** Said in the status comment (say, a .github/medic.yml value that was ignored). */
  readonly notes: readonly string[];
}
