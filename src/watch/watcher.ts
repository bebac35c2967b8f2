// medic watch: heals automatically. Docker events (die, unhealthy, start) for ws-* containers
// and a periodic sweep of `failed` rows feed one fleet-wide queue; each item is diagnosed and
// recovered (source `auto`) only when the core's `healingVerdict` says so (the rule `medic
// sweep` uses: not parked, not provisioning, config.yaml missing). A workspace that keeps
// failing is retried with the one backoff (from the sweep interval up to an hour, jittered), and
// reported once per failure streak; attempts that changed the workspace count toward the
// restart budget (those that stopped first, say TEMPLATE_NOT_FOUND, do not).
import {
  type CoreDeps,
  containerName,
  failedNow,
  findWorkspace,
  healingVerdict,
  MedicError,
  parseTarget,
  type RecoveryResult,
  recover,
  sweepCandidates,
} from '../core/index.js';
import { listenOrPoll, WORKSPACE_FAILED } from '../db/wakeups.js';
import type { Width } from '../work/queue/width.js';
import { type Decisions, loggerDecisions } from './decision-log.js';
import { DockerEventFeed, type EventSource } from './docker-events.js';
import { FailureStreaks } from './failure-streaks.js';
import { HealQueue } from './heal-queue.js';
import type { IncidentHook } from './incident-hook.js';
import { SweepChores } from './sweep-chores.js';

export interface WatcherOptions {
  readonly intervalS: number;
  readonly concurrency: number;
  /** Shared with the process's other runs (an agent's tasks): one width per process. */
  readonly width?: Width;
  readonly events: EventSource;
  readonly incidents: IncidentHook;
  readonly onResult?: (result: RecoveryResult) => void;
  /** Of the failed rows' containers, the ones this watcher heals (an agent: those placed on its engine). Unset: all. */
  readonly owns?: (containers: readonly string[]) => Promise<ReadonlySet<string>>;
  /**
   * How often the rows are looked at for ones newly marked `failed` (ms; 0: only the sweep):
   * a workspace the platform marks failed is healed within about this long, not at the next
   * sweep, which stays as the safety net.
   */
  readonly lookMs?: number;
  /**
   * The platform's table carries medic's trigger (deploy/workspace-failed-trigger.sql): a row
   * that becomes `failed` wakes a look at once (LISTEN), besides the look every `lookMs`.
   */
  readonly wakeOnFailure?: boolean;
  /** Where each decision is said (DecisionLog); unset: the logger. */
  readonly decisions?: Decisions;
  /** Who this healer is in the records it writes (an agent's name); unset: `medic-watch`. */
  readonly name?: string;
  /** The backoff's jitter; unset, Math.random (a test passes `() => 1` for the ceilings). */
  readonly random?: () => number;
}

export class Watcher {
  readonly queue: HealQueue;
  private readonly feed: DockerEventFeed;
  private timer: NodeJS.Timeout | null = null;
  private lookTimer: NodeJS.Timeout | null = null;
  /** The rows `failed` at the last look: only a row not among them is new. */
  private failedBefore: ReadonlySet<string> = new Set();
  /** When each container was seen to die, for its next run's `detectedAt`. */
  private readonly died = new Map<string, Date>();
  /** Rows left alone because a hold kept them: looked at again every look, so a hold's end heals them. */
  private readonly held = new Set<string>();
  private looking = false;
  /** A wakeup came while a look was under way: look once more after it. */
  private lookAgain = false;
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = false;
  private heard!: () => void;
  /** Resolves once a row that becomes `failed` wakes a look (the trigger's NOTIFY is listened to). */
  readonly listening: Promise<void> = new Promise((resolve) => {
    this.heard = resolve;
  });
  private swept!: () => void;
  /** When the last sweep ended (ms since epoch; null before the first): `medic_last_sweep_timestamp_seconds`. */
  lastSweepAt: number | null = null;
  /** Resolves once the first sweep has queued what it found (what happens after it is the watcher's own doing). */
  readonly firstSweep: Promise<void> = new Promise((resolve) => {
    this.swept = resolve;
  });
  private readonly streaks: FailureStreaks;
  private readonly chores: SweepChores;
  private readonly decisions: Decisions; // the caller's DecisionLog, or the logger
  connected = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly options: WatcherOptions,
  ) {
    this.decisions = options.decisions ?? loggerDecisions(deps.logger);
    this.queue = new HealQueue(options.concurrency, (t, interrupt) => this.heal(t, interrupt), options.width);
    this.streaks = new FailureStreaks(options.intervalS, options.random);
    this.chores = new SweepChores(deps, {
      takenBy: options.name ?? 'medic-watch',
      owns: options.owns,
      onHealed: (result) => this.finished(result, deps.clock.now().getTime()),
    });
    this.feed = new DockerEventFeed(
      options.events,
      (e) => {
        // The container's death is when its breakage was first seen (kept until a run uses it).
        if (this.died.size > 10_000) this.died.clear(); // a bound on memory, not a limit anyone reaches
        if (e.action === 'die' && !this.died.has(e.container))
          this.died.set(e.container, new Date(e.time > 0 ? e.time * 1000 : deps.clock.now().getTime()));
        this.queue.push(e.container);
      },
      deps.logger,
      (up) => {
        this.connected = up;
      },
    );
  }

  start(): void {
    this.feed.start();
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalS * 1000);
    const lookMs = this.options.lookMs ?? 0;
    if (lookMs > 0) this.lookTimer = setInterval(() => void this.look(), lookMs);
    if (this.options.wakeOnFailure) void this.listenForFailures();
  }

  private async listenForFailures(): Promise<void> {
    const stop = await listenOrPoll(this.deps.db, WORKSPACE_FAILED, () => this.wake(), this.deps.logger);
    if (this.stopped) return void (await stop());
    this.unlisten = stop;
    this.heard();
  }

  /** A look now, or right after the one under way. */
  private wake(): void {
    if (this.looking) this.lookAgain = true;
    else void this.look();
  }

  /**
   * Stops listening and sweeping, then waits for the recoveries in flight to finish (with
   * `withinMs`, that long; then they stop at their next safe point). Answers how many were cut short.
   */
  async stop(o: { readonly withinMs?: number } = {}): Promise<number> {
    this.stopped = true;
    await this.unlisten?.();
    this.feed.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.lookTimer) clearInterval(this.lookTimer);
    return this.queue.close(o);
  }

  async sweep(): Promise<void> {
    try {
      await this.chores.before();
      const containers = (await sweepCandidates(this.deps, 500)).map((row) => containerName(row.id));
      const owned = this.options.owns ? await this.options.owns(containers) : null;
      for (const c of containers) if (!owned || owned.has(c)) this.queue.push(c);
      void this.chores.after();
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'sweep could not read workspaces; will retry');
    } finally {
      this.lastSweepAt = this.deps.clock.now().getTime();
      this.swept();
    }
  }

  /** Queues the rows marked `failed` since the last look (one cheap query; the first look takes them all). */
  async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      const now = new Set(await failedNow(this.deps, 1000));
      for (const id of this.held) if (!now.has(id)) this.held.delete(id);
      const fresh = [...now]
        .filter((id) => !this.failedBefore.has(id) || this.held.has(id))
        .map(containerName);
      this.failedBefore = now;
      if (fresh.length === 0) return;
      const owned = this.options.owns ? await this.options.owns(fresh) : null;
      for (const c of fresh) if (!owned || owned.has(c)) this.queue.push(c);
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'could not look at the rows; will retry');
    } finally {
      this.looking = false;
      if (this.lookAgain) {
        this.lookAgain = false;
        void this.look();
      }
    }
  }

  /** When a failing workspace will be tried next (ms since epoch), or null when it is not backing off. */
  retryAt(workspaceId: string): number | null {
    return this.streaks.retryAt(workspaceId);
  }

  private async heal(target: string, interrupt: AbortSignal): Promise<void> {
    const { deps } = this;
    try {
      const row = await findWorkspace(deps.db, parseTarget(target));
      const now = deps.clock.now().getTime();
      const workspace = containerName(row.id);
      const waiting = this.streaks.waiting(row.id, now);
      if (waiting) {
        this.decisions.decide({ kind: 'skipped', workspace, why: waiting });
        return;
      }
      const verdict = await healingVerdict(deps, row);
      if (!verdict.heal) {
        if (verdict.held) this.held.add(row.id);
        else {
          this.held.delete(row.id);
          this.died.delete(workspace); // not ours to heal: its death is no breakage of ours
        }
        // A row the platform calls failed that medic leaves alone: said why (a hold, its volume).
        if (row.status === 'failed') this.decisions.decide({ kind: 'skipped', workspace, why: verdict.why });
        return;
      }
      this.held.delete(row.id);
      const found = verdict.diagnosis;
      const died = this.died.get(found.container);
      this.died.delete(found.container);
      const result = await recover(deps, row.id, {
        actor: 'medic-watch',
        source: 'auto',
        reason: `automatic: config volume ${found.entries === 0 ? 'empty' : 'lacks config.yaml'}`,
        interrupt,
        found: row,
        ...(died ? { detectedAt: died.toISOString() } : {}),
      });
      await this.finished(result, now);
    } catch (error) {
      // A container that is no workspace here, a workspace that vanished, an engine hiccup:
      // said, and retried by the next event or sweep.
      const code = error instanceof MedicError ? error.code : 'INTERNAL';
      if (code === 'WORKSPACE_NOT_FOUND') this.decisions.stranger(target);
      else this.decisions.decide({ kind: 'failed', workspace: target, code, why: (error as Error).message });
    }
  }

  /** An automatic run ended: said, told, and reported (FailureStreaks.reports). */
  private async finished(result: RecoveryResult, now: number): Promise<void> {
    this.decisions.ran(result);
    this.options.onResult?.(result);
    if (this.streaks.reports(result, now)) await this.options.incidents.report(result);
  }
}
