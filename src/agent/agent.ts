// An agent serves one Docker engine (its host's DOCKER_HOST) for the whole fleet, over the
// shared Postgres: it registers the engine and heartbeats; keeps the engine's placements (what
// ws-* containers it holds) from a full listing at start and every interval and from the
// engine's create/destroy/rename events; runs the tasks the app hands to its engine with the
// core, storing each step as it ends; and heals its own engine as `medic watch` does (events,
// and a sweep of the failed rows placed on it), with the same budget and rules. stop()
// finishes what it holds; a killed agent's tasks are taken over when an agent for its engine
// comes back (they are reclaimed once their heartbeat is stale).
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { type CoreDeps, isContainerName, type RecoveryResult } from '../core/index.js';
import { listenOrPoll, TASKS_QUEUED } from '../db/wakeups.js';
import {
  engineStopped,
  HEARTBEAT_S,
  heartbeatEngine,
  place,
  placedOn,
  registerEngine,
  type SeenContainer,
  syncPlacements,
  unplace,
} from '../engines/engine-store.js';
import type { Decisions } from '../watch/decision-log.js';
import { DockerEventFeed, PLACEMENT_ACTIONS } from '../watch/docker-events.js';
import type { IncidentHook } from '../watch/incident-hook.js';
import { Watcher } from '../watch/watcher.js';
import { JobWorker, workerName } from '../work/queue/index.js';
import { Width } from '../work/queue/width.js';
import { type Task, taskQueue } from '../work/tasks/task-store.js';
import { runTask } from './task-runner.js';

export interface AgentOptions {
  readonly engine: string;
  /** Tasks and healings at a time. */
  readonly concurrency: number;
  /** Seconds between sweeps of failed rows and full listings of the engine's containers. */
  readonly intervalS: number;
  /** How often the task queue is polled. */
  readonly pollMs: number;
  /** A running task whose agent has not heartbeated for this long is taken over. */
  readonly staleS: number;
  /** Heal the engine as `medic watch` does (false: only tasks and placements, `--no-heal`). */
  readonly heal: boolean;
  readonly incidents: IncidentHook;
  readonly onResult?: (result: RecoveryResult) => void;
  /** medic's trigger is on the platform's table: a row that becomes `failed` wakes a look (Watcher). */
  readonly wakeOnFailure?: boolean;
  /** Where its healer says each decision (medic agent: a DecisionLog on stderr). */
  readonly decisions?: Decisions;
}

export class Agent {
  readonly worker: JobWorker<Task>;
  /** This agent's name in the task queue: every write about a task names it and the attempt. */
  private readonly name: string;
  readonly watcher: Watcher | null;
  private readonly placements: DockerEventFeed;
  private timers: NodeJS.Timeout[] = [];
  private lastListing = Number.NEGATIVE_INFINITY;
  private unlisten: () => Promise<void> = async () => {};
  private placing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CoreDeps,
    private readonly docker: Docker,
    private readonly options: AgentOptions,
  ) {
    const { engine } = options;
    this.name = workerName(deps.holder);
    // Tasks and heals draw from one width: the process runs `concurrency` recoveries in all.
    const width = new Width(options.concurrency);
    this.worker = this.taskWorker(width);
    this.watcher = !options.heal
      ? null
      : new Watcher(deps, {
          intervalS: options.intervalS,
          concurrency: options.concurrency,
          width,
          incidents: options.incidents,
          events: this.events,
          owns: (containers) => placedOn(deps.db, engine, containers),
          name: this.name,
          lookMs: deps.config.lookMs,
          wakeOnFailure: options.wakeOnFailure ?? false,
          ...(options.onResult ? { onResult: options.onResult } : {}),
          ...(options.decisions ? { decisions: options.decisions } : {}),
        });
    this.placements = new DockerEventFeed(
      this.events,
      // In the engine's order: a create and its destroy applied the other way round would
      // leave a placement for a container that is gone (until the next listing).
      (e) => {
        this.placing = this.placing
          .then(() => this.moved(e.container, e.id, e.action, e.oldName))
          .catch((error: unknown) =>
            deps.logger.warn(
              { container: e.container, err: (error as Error).message },
              'could not record a placement',
            ),
          );
      },
      deps.logger,
      () => {},
      PLACEMENT_ACTIONS,
    );
  }

  // The engine's tasks, run with the core here (task-runner.ts), `width` shared with healing.
  private taskWorker(width: Width): JobWorker<Task> {
    const { deps, options } = this;
    const { engine } = options;
    return new JobWorker<Task>(
      {
        queue: taskQueue(deps.db, engine),
        run: (task, fence, interrupt) =>
          runTask(
            deps,
            { worker: this.name, ...(options.onResult ? { onResult: options.onResult } : {}) },
            task,
            fence,
            interrupt,
          ),
        onAbandoned: async (task) =>
          deps.logger.warn({ task: task.id, target: task.target }, 'task given up: its agent stopped twice'),
        logger: deps.logger,
      },
      {
        concurrency: options.concurrency,
        width,
        pollMs: options.pollMs,
        staleS: options.staleS,
        name: this.name,
      },
    );
  }

  /** Registers the engine, lists what it holds, then serves it until stop(). */
  async start(): Promise<void> {
    const { deps, options } = this;
    const version = await this.docker.version();
    await registerEngine(deps.db, {
      name: options.engine,
      agent: deps.holder,
      dockerVersion: version.Version,
    });
    await this.list();
    this.timers.push(setInterval(() => void this.beat(), HEARTBEAT_S * 1000));
    // A task for this engine is claimed when the app stores it (NOTIFY), not at the next poll.
    this.unlisten = await listenOrPoll(
      deps.db,
      TASKS_QUEUED,
      (engine) => {
        if (engine === options.engine) this.worker.wake();
      },
      deps.logger,
    );
    this.placements.start();
    this.worker.start();
    this.watcher?.start();
  }

  /**
   * Takes no more work, finishes what it holds (still heartbeating; with `withinMs`, that long:
   * then its tasks go back to the queue and its heals stop at their next safe point), then says
   * it has gone.
   */
  async stop(o: { readonly withinMs?: number } = {}): Promise<void> {
    this.placements.stop();
    await this.unlisten();
    await Promise.all([this.worker.stop(o), this.watcher?.stop(o)]);
    for (const t of this.timers) clearInterval(t);
    await engineStopped(this.deps.db, this.options.engine, this.deps.holder);
  }

  get inFlight(): number {
    return this.worker.busy + (this.watcher?.queue.inFlight ?? 0);
  }

  private readonly events = (since: number | null) =>
    this.docker.getEvents({
      ...(since ? { since } : {}),
      filters: { type: ['container'] },
    }) as Promise<Readable>;

  private async beat(): Promise<void> {
    const { deps, options } = this;
    try {
      await heartbeatEngine(deps.db, options.engine, deps.holder);
      if (deps.clock.monotonicMs() - this.lastListing >= options.intervalS * 1000) await this.list();
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'heartbeat failed; will retry');
    }
  }

  /** Every ws-* container on the engine, placed here; rows for ones gone from it removed. */
  private async list(): Promise<void> {
    const listed = await this.docker.listContainers({ all: true, filters: { name: ['ws-'] } });
    const seen: SeenContainer[] = listed
      .map((c) => ({ name: (c.Names[0] ?? '').replace(/^\//, ''), id: c.Id }))
      .filter((c) => isContainerName(c.name));
    await syncPlacements(this.deps.db, this.options.engine, seen);
    this.lastListing = this.deps.clock.monotonicMs();
  }

  private async moved(name: string, id: string, action: string, oldName: string | null): Promise<void> {
    const { db } = this.deps;
    const { engine } = this.options;
    if (action === 'destroy') return unplace(db, engine, name);
    if (action === 'rename' && oldName) await unplace(db, engine, oldName);
    if (isContainerName(name)) await place(db, engine, { name, id });
  }
}
