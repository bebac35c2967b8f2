// `medic agent` as a service: serves one engine until SIGTERM or SIGINT, then finishes what it
// holds for at most MEDIC_DRAIN_S (then hands its tasks back and stops its heals at a safe
// point) and exits 0. Needs the fleet's shared Postgres (DATABASE_URL): an embedded database
// is this process's alone, and no app could hand it work.

import { z } from 'zod';
import { untilStopSignal } from '../bootstrap/stop-signal.js';
import type { CoreDeps } from '../core/index.js';
import {
  atATime,
  countHeldFailing,
  failureTriggerInstalled,
  InvalidConfigError,
  leasesHeld,
  listBreakers,
  parseSettings,
  pruneDaily,
} from '../core/index.js';
import { connectDocker } from '../docker/connection.js';
import { observabilityHandler, serve } from '../metrics/http-endpoints.js';
import { MedicMetrics } from '../metrics/metrics.js';
import { Notifier } from '../notifications/notifier.js';
import { DecisionLog, type LogFormat } from '../watch/decision-log.js';
import { watchIncidentHook } from '../watch/run-watch.js';
import { queuedTasks } from '../work/tasks/task-store.js';
import { Agent } from './agent.js';

export interface AgentRunOptions {
  readonly engine: string;
  /** Default: sized to the engine (recoveriesAtATime). */
  readonly concurrency?: number;
  readonly interval: number;
  readonly metricsPort: number;
  /** Where /metrics and /healthz listen (default 127.0.0.1: this machine only). */
  readonly metricsHost?: string;
  readonly heal: boolean;
  /** From agentSettings, read before the core is opened. */
  readonly settings: AgentSettings;
  readonly env: Record<string, string | undefined>;
  readonly say: (line: string) => void;
  /** How each decision is said (default human). */
  readonly logFormat?: LogFormat;
}

/** `medic agent`'s own settings (docs/configuration.md is generated from it). */
export const agentSettingsSchema = z.object({
  MEDIC_AGENT_POLL_MS: z.coerce
    .number()
    .int()
    .min(20)
    .max(5000)
    .default(200)
    .describe("how often the engine's task queue is polled besides its NOTIFY wake-ups (ms)"),
  MEDIC_TASK_STALE_S: z.coerce
    .number()
    .int()
    .min(2)
    .default(15)
    .describe('a running task whose agent has not heartbeated for this long is taken over (s)'),
});
const settings = agentSettingsSchema;

export type AgentSettings = z.infer<typeof settings>;

/** An agent serves the fleet through its shared Postgres; read before anything is opened. */
export function agentSettings(env: Record<string, string | undefined>): AgentSettings {
  if (!env.DATABASE_URL?.trim()) {
    throw new InvalidConfigError('medic agent needs the fleet’s shared Postgres, and DATABASE_URL is unset', {
      hint: 'set DATABASE_URL to the database the app uses (the embedded one is this process’s alone)',
    });
  }
  return parseSettings(settings, env);
}

export async function runAgent(deps: CoreDeps, o: AgentRunOptions): Promise<void> {
  const e = o.settings;
  const docker = connectDocker(deps.config);
  await deps.runtime.ping();
  const width = await atATime(deps, o.concurrency);
  const woken = o.heal && (await failureTriggerInstalled(deps).catch(() => false));
  const metrics = new MedicMetrics({
    leasesHeld: () => leasesHeld(deps.db),
    heldFailing: () => countHeldFailing(deps.db),
    breakers: () => listBreakers(deps.db),
    queueDepth: () => queuedTasks(deps.db, o.engine),
    // Scraped only once the server below is up, after the agent is made.
    ...(o.heal ? { lastSweep: () => agent.watcher?.lastSweepAt ?? null } : {}),
  });
  const decisions = new DecisionLog(o.say, o.logFormat ?? 'human');
  const agent = new Agent(deps, docker, {
    decisions,
    engine: o.engine,
    concurrency: width.n,
    intervalS: o.interval,
    pollMs: e.MEDIC_AGENT_POLL_MS,
    staleS: e.MEDIC_TASK_STALE_S,
    heal: o.heal,
    incidents: watchIncidentHook(deps, o.env),
    onResult: (r) => metrics.observe(r),
    wakeOnFailure: woken,
  });
  const server =
    o.metricsPort > 0 ? await serve(observabilityHandler(deps, metrics), o.metricsPort, o.metricsHost) : null;
  await agent.start();
  const notifier = new Notifier(deps, o.env);
  notifier.start();
  // An agent under the least-privileged role (deploy/roles.sql) may not delete jobs: the
  // app's replicas prune then.
  const stopPruning = (await mayPrune(deps)) ? pruneDaily(deps) : () => {};
  o.say(
    `medic: agent for engine ${o.engine} (${width.said}, ${o.heal ? `healing, sweep every ${o.interval}s${woken ? ", woken by the platform's trigger" : ''}` : 'not healing (--no-heal)'}${server ? `, metrics on ${o.metricsHost ?? '127.0.0.1'}:${o.metricsPort}/metrics` : ''})`,
  );
  const signal = await untilStopSignal();
  o.say(
    `medic: ${signal}: finishing ${agent.inFlight} tasks and recoveries in flight (at most ${deps.config.drainMs / 1000} s, MEDIC_DRAIN_S)`,
  );
  stopPruning();
  await agent.stop({ withinMs: deps.config.drainMs });
  await notifier.stop();
  decisions.close();
  server?.close();
}

async function mayPrune(deps: CoreDeps): Promise<boolean> {
  const { rows } = await deps.db.query(
    "SELECT has_table_privilege(current_user, 'medic.jobs', 'DELETE') AS may",
  );
  return (rows[0] as { may: boolean } | undefined)?.may ?? false;
}
