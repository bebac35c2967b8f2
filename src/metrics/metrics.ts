// Prometheus metrics (prom-client) shared by the watcher and the app: recoveries by outcome
// and source, step durations, leases held and queue depth (read when scraped), and the
// process defaults.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RecoveryResult } from '../core/index.js';

export interface MetricSources {
  /** Live leases in the database. */
  readonly leasesHeld: () => Promise<number>;
  /** Work waiting in this process (the watcher's queue, or the app's pending jobs). */
  readonly queueDepth: () => Promise<number> | number;
  /** Rows marked failed that a hold keeps the automatic paths off. */
  readonly heldFailing?: () => Promise<number>;
  /** When the watcher's last sweep ended (ms since epoch), null before the first; unset: no watcher. */
  readonly lastSweep?: () => number | null;
  /** [storm] The breakers' scopes and states (the database's: every process shows the same). */
  readonly breakers?: () => Promise<ReadonlyArray<{ readonly scope: string; readonly state: string }>>;
}

export class MedicMetrics {
  readonly registry = new Registry();
  private readonly recoveries: Counter<'outcome' | 'source' | 'code'>;
  private readonly steps: Histogram<'step' | 'status'>;
  private readonly regressions: Counter;
  private readonly skipped: Counter;

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'medic_' });
    this.recoveries = new Counter({
      name: 'medic_recoveries_total',
      help: 'Runs by outcome, source and error code (empty when none)',
      labelNames: ['outcome', 'source', 'code'],
      registers: [this.registry],
    });
    this.steps = new Histogram({
      name: 'medic_step_duration_seconds',
      help: 'Duration of each recovery step',
      labelNames: ['step', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.regressions = new Counter({
      name: 'medic_regressions_total',
      help: 'Recoveries of a workspace broken again within MEDIC_REGRESSION_WINDOW of an earlier recovery',
      registers: [this.registry],
    });
    this.skipped = new Counter({
      name: 'medic_heals_skipped_total',
      help: "Automatic recoveries not started because their scope's breaker was open or its healing paused (BREAKER_OPEN)",
      registers: [this.registry],
    });
    readGauges(this.registry, sources);
  }

  observe(result: RecoveryResult): void {
    this.recoveries.inc({ outcome: result.outcome, source: result.source, code: result.error?.code ?? '' });
    if (result.regression) this.regressions.inc();
    if (result.error?.code === 'BREAKER_OPEN') this.skipped.inc();
    for (const step of result.steps)
      this.steps.observe({ step: step.name, status: step.status }, step.ms / 1000);
  }
}

// The gauges read when scraped, from the sources this process has.
function readGauges(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: 'medic_leases_held',
    help: 'Workspace leases currently held (all processes)',
    registers: [registry],
    async collect() {
      this.set(await sources.leasesHeld());
    },
  });
  new Gauge({
    name: 'medic_queue_depth',
    help: 'Recoveries waiting in this process',
    registers: [registry],
    async collect() {
      this.set(await sources.queueDepth());
    },
  });
  const { heldFailing, lastSweep, breakers } = sources;
  if (breakers) {
    // Alert on it (> 0): automatic heals have stopped in a scope until the cause is found.
    new Gauge({
      name: 'medic_breaker_open',
      help: 'Per scope, 1 while its breaker is open or its healing paused (state says which), else 0',
      labelNames: ['scope', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const b of await breakers())
          this.set({ scope: b.scope, state: b.state }, b.state === 'closed' ? 0 : 1);
      },
    });
  }
  if (lastSweep) {
    // Alert on it (time() - it > a few intervals): a watcher that has gone quiet.
    new Gauge({
      name: 'medic_last_sweep_timestamp_seconds',
      help: "When the watcher's last sweep of the failed rows ended (Unix time); 0 before the first",
      registers: [registry],
      collect() {
        this.set((lastSweep() ?? 0) / 1000);
      },
    });
  }
  if (heldFailing) {
    new Gauge({
      name: 'medic_workspaces_held',
      help: 'Workspaces marked failed that a hold (medic hold, /hold) keeps the automatic paths off',
      registers: [registry],
      async collect() {
        this.set(await heldFailing());
      },
    });
  }
}
