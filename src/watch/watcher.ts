// medic watch: heals automatically. Docker events (die, unhealthy, start) for ws-* containers
// and a periodic sweep of `failed` rows feed one fleet-wide queue; each item is diagnosed and
// recovered (source `auto`) only when its config volume lacks config.yaml, as the platform's
// own restart would have needed (the core's `healingVerdict`, the rule `medic sweep` uses). A
// workspace over its restart budget is left alone until the window has passed.

import type { CoreDeps, RecoveryResult } from '../core/index.js';
import {
  containerName,
  findWorkspace,
  healingVerdict,
  MedicError,
  parseTarget,
  recover,
  sweepCandidates,
} from '../core/index.js';
import { DockerEventFeed, type EventSource } from './docker-events.js';
import { HealQueue } from './heal-queue.js';
import type { IncidentHook } from './incident-hook.js';

export interface WatcherOptions {
  readonly intervalS: number;
  readonly concurrency: number;
  readonly events: EventSource;
  readonly incidents: IncidentHook;
  readonly onResult?: (result: RecoveryResult) => void;
}

export class Watcher {
  readonly queue: HealQueue;
  private readonly feed: DockerEventFeed;
  private timer: NodeJS.Timeout | null = null;
  private readonly resting = new Map<string, number>();
  connected = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly options: WatcherOptions,
  ) {
    this.queue = new HealQueue(options.concurrency, (target) => this.heal(target));
    this.feed = new DockerEventFeed(
      options.events,
      (e) => this.queue.push(e.container),
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
  }

  /** Stops listening and sweeping, then waits for the recoveries in flight to finish. */
  async stop(): Promise<void> {
    this.feed.stop();
    if (this.timer) clearInterval(this.timer);
    await this.queue.close();
  }

  async sweep(): Promise<void> {
    try {
      for (const row of await sweepCandidates(this.deps, 500)) this.queue.push(containerName(row.id));
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'sweep could not read workspaces; will retry');
    }
  }

  private async heal(target: string): Promise<void> {
    const { deps } = this;
    try {
      const row = await findWorkspace(deps.db, parseTarget(target));
      if ((this.resting.get(row.id) ?? 0) > Date.now()) return;
      const verdict = await healingVerdict(deps, row);
      if (!verdict.heal) return;
      const found = verdict.diagnosis;
      const result = await recover(deps, row.id, {
        actor: 'medic-watch',
        source: 'auto',
        reason: `automatic: config volume ${found.entries === 0 ? 'empty' : 'lacks config.yaml'}`,
      });
      if (result.error?.code === 'RESTART_BUDGET_EXCEEDED')
        this.resting.set(row.id, Date.now() + deps.config.restartBudget.windowMs);
      deps.logger.info(
        { workspace: row.id, outcome: result.outcome, error: result.error?.code, runId: result.runId },
        'automatic recovery',
      );
      this.options.onResult?.(result);
      if (result.outcome !== 'busy') await this.options.incidents.report(result);
    } catch (error) {
      // A workspace that vanished or an engine hiccup: logged, retried by the next event or sweep.
      const code = error instanceof MedicError ? error.code : 'INTERNAL';
      deps.logger.warn({ target, code, err: (error as Error).message }, 'could not heal');
    }
  }
}
