// The Probot app: webhooks become durable jobs (answered at once), and a worker in this
// process runs them through the shared ChatOps flow with the installation's client. A
// comment is known by (installation, repository, comment id): the same comment under any
// delivery id is stored once, and a comment older than MEDIC_COMMENT_MAX_AGE_S is dropped.
import type { ApplicationFunction, Probot } from 'probot';
import { ignoredComment } from '../chatops/comment-filter.js';
import { FloorQueue } from '../chatops/floor.js';
import { handleComment } from '../chatops/handle-comment.js';
import { handleIncident } from '../chatops/handle-incident.js';
import {
  type CoreDeps,
  type Executor,
  intakePriority,
  type Queryable,
  type RecoveryResult,
  scheduleChores,
} from '../core/index.js';
import { listenOrPoll, TASK_EVENTS, Wakeups } from '../db/wakeups.js';
import { octokitPort } from '../github/github-port.js';
import { commentEventFrom, incidentEventFrom } from '../github/webhook-payloads.js';
import { PacerRegistry } from '../github/write-pacer.js';
import { doorExecutor } from '../work/door-executor.js';
import { enqueueJob, JOBS_QUEUED, type Job, jobQueue } from '../work/jobs/job-store.js';
import { JobWorker, workerName } from '../work/queue/index.js';
import { expireRequestsChore, reopenRegressionsChore } from './chores.js';

export interface MedicAppOptions {
  readonly core: CoreDeps;
  readonly concurrency: number;
  readonly editIntervalMs: number;
  readonly pollMs: number;
  readonly staleS: number;
  readonly commentMaxAgeS: number;
  /** Least time between two writes to GitHub per installation (MEDIC_WRITE_GAP_MS; GitHub asks for 1 s). */
  readonly writeGapMs: number;
  /** Most writes to GitHub per installation in any minute (MEDIC_WRITES_PER_MINUTE; GitHub: 80). */
  readonly writesPerMinute?: number;
  /**
   * MEDIC_EXECUTOR=agents: commands go to the agents of the workspaces' engines, and this
   * process makes no Docker call. null: they run here (MEDIC_EXECUTOR=local).
   */
  readonly executor?: { readonly agents: { readonly waitS: number } } | null;
  /** Every run's result, as a job finishes it (metrics). */
  readonly onResult?: (result: RecoveryResult) => void;
  /** Gives the caller the worker (for shutdown, tests, and the metrics endpoint). */
  readonly onWorker?: (worker: JobWorker<Job>) => void;
  /** How often regressions are looked for, to reopen their incidents (ms; 5000). */
  readonly regressionLookMs?: number;
  /** Gives the caller the write pacers (shutdown drains them; tests wait for them). */
  readonly onPacers?: (pacers: PacerRegistry) => void;
  /**
   * Where a webhook's job is stored before it is acknowledged: connections of their own, so
   * that an acknowledgement never waits behind the jobs it wakes (default: the core's pool).
   */
  readonly intake?: Queryable;
}

export function medicApp(options: MedicAppOptions): ApplicationFunction {
  return async (app: Probot) => {
    const { core } = options;
    const intake = options.intake ?? core.db;
    const pacers = new PacerRegistry({
      gapMs: options.writeGapMs,
      perMinute: options.writesPerMinute ?? 80,
      clock: core.clock,
    });
    const worker = await jobWorker(app, options, pacers);
    options.onWorker?.(worker);
    options.onPacers?.(pacers);
    app.on('issue_comment.created', (context) => storeComment(app, options, intake, worker, context));
    app.on(['issues.opened', 'issues.labeled'], async (context) => {
      const located = incidentEventFrom(context.payload);
      if (located.installationId === null || located.event.labels.length === 0) return;
      if (await enqueueJob(intake, context.id, { kind: 'incident', ...withInstallation(located) }))
        worker.wake();
    });
    worker.start();
    // A job stored by another replica wakes this one's worker too (polling stays as the net).
    worker.onStop(await listenOrPoll(core.db, JOBS_QUEUED, () => worker.wake(), app.log));
    // Requests for approval that nobody answered in time, and workspaces that broke again soon
    // after a command recovered them: once per period of all the replicas (medic.chores).
    const stopChores = scheduleChores(core, [
      expireRequestsChore(app, core, pacers),
      reopenRegressionsChore(app, core, pacers, options.regressionLookMs ?? 5_000),
    ]);
    worker.onStop(async () => stopChores());
  };
}

// The worker that runs the stored jobs. With agents, a job's commands become tasks keyed by
// the job: run again (its replica died), it finds them instead of adding more. NOTIFY wakes
// its status comment's reads.
async function jobWorker(
  app: Probot,
  options: MedicAppOptions,
  pacers: PacerRegistry,
): Promise<JobWorker<Job>> {
  const { core } = options;
  const floors = new FloorQueue();
  const agents = options.executor?.agents;
  const wakeups = agents ? await Wakeups.open(core.db, TASK_EVENTS, app.log) : undefined;
  const executorFor = doorExecutor(core, agents, wakeups);
  return new JobWorker(
    {
      queue: jobQueue(core.db),
      run: (job, fence) =>
        runJob(app, options, { pacers, floors, executor: executorFor(`job:${job.id}`), fence }, job),
      onAbandoned: (job) => reportAbandoned(app, job),
      logger: app.log,
    },
    {
      concurrency: options.concurrency,
      pollMs: options.pollMs,
      staleS: options.staleS,
      name: workerName(core.holder),
    },
  );
}

// A comment is stored as a job before the webhook is acknowledged, unless it is not ours (a
// bot's, an edit, too old); a stranger's waits behind every other, a known on-call engineer's
// goes first.
async function storeComment(
  app: Probot,
  options: MedicAppOptions,
  intake: Queryable,
  worker: JobWorker<Job>,
  context: { readonly id: string; readonly payload: Parameters<typeof commentEventFrom>[0] },
): Promise<void> {
  const located = commentEventFrom(context.payload);
  const { comment } = located.event;
  if (located.installationId === null) return;
  const left = ignoredComment(comment, {
    nowMs: options.core.clock.now().getTime(),
    maxAgeS: options.commentMaxAgeS,
  });
  if (left) {
    // Bots and chatter are most comments: said only when a command was left (too old).
    if (left.kind === 'too old')
      app.log.info({ delivery: context.id, comment: comment.id, why: left.why }, 'comment ignored');
    return;
  }
  const key = `${located.installationId}:${located.owner}/${located.repo}:${comment.id}`.toLowerCase();
  const ids = located.event.repository;
  const source = {
    repo: `${located.owner}/${located.repo}`,
    repoId: ids?.id ?? null,
    ownerId: ids?.ownerId ?? null,
  };
  const stored = await enqueueJob(
    intake,
    context.id,
    { kind: 'comment', ...withInstallation(located) },
    key,
    await intakePriority(intake, source, comment.author),
  );
  if (stored) worker.wake();
  else
    app.log.info(
      { delivery: context.id, comment: comment.id },
      'comment already stored (a redelivery or a replay)',
    );
}

function withInstallation<T>(l: { owner: string; repo: string; installationId: number | null; event: T }) {
  return { owner: l.owner, repo: l.repo, installationId: l.installationId ?? 0, event: l.event };
}

async function runJob(
  app: Probot,
  options: MedicAppOptions,
  work: {
    readonly pacers: PacerRegistry;
    readonly floors: FloorQueue;
    readonly executor: Executor;
    readonly fence: () => Promise<void>;
  },
  job: Job,
): Promise<void> {
  const { pacers, floors, executor, fence } = work;
  const p = job.payload;
  const octokit = await app.auth(p.installationId);
  const github = octokitPort(octokit, p.owner, p.repo);
  const log = app.log.child({ job: job.id, delivery: job.deliveryId });
  if (p.kind === 'comment') {
    const outcome = await handleComment(
      {
        core: options.core,
        github,
        logger: log,
        source: 'app',
        editIntervalMs: options.editIntervalMs,
        commentMaxAgeS: options.commentMaxAgeS,
        filteredOnArrival: true,
        writes: pacers.for(String(p.installationId)),
        executor,
        fence,
        floors,
        installation: p.installationId,
      },
      p.event,
    );
    for (const result of outcome.results) {
      // One line per decision, as `medic watch` says its own (the outcome, the code, who asked).
      log.info(
        {
          workspace: result.workspace.container,
          outcome: result.outcome,
          code: result.error?.code,
          runId: result.runId,
          actor: result.actor,
        },
        `${result.command} ${result.workspace.container}: ${result.outcome}${result.error ? ` ${result.error.code}` : ''}`,
      );
      options.onResult?.(result);
    }
  } else {
    await handleIncident({ core: options.core, github, logger: log, executor }, p.event);
  }
}

async function reportAbandoned(app: Probot, job: Job): Promise<void> {
  const p = job.payload;
  const octokit = await app.auth(p.installationId);
  const issue = p.kind === 'comment' ? p.event.issue.number : p.event.number;
  await octokitPort(octokit, p.owner, p.repo).createComment(
    issue,
    '🩺 medic stopped twice while running this command and has given it up. Steps that ran are in the audit trail (`medic history <workspace>`); comment the command again to retry.',
  );
}
