// `medic watch` as a service: runs the watcher with its metrics endpoint until SIGTERM or SIGINT, then
// finishes the recoveries in flight for at most MEDIC_DRAIN_S (then each stops at its next safe
// point) and exits 0.

import type { Readable } from 'node:stream';
import { untilStopSignal } from '../bootstrap/stop-signal.js';
import type { CoreDeps } from '../core/index.js';
import {
  atATime,
  countHeldFailing,
  currentPolicy,
  failureTriggerInstalled,
  leasesHeld,
  listBreakers,
  pruneDaily,
  runbookFor,
} from '../core/index.js';
import { connectDocker } from '../docker/connection.js';
import { octokitPort } from '../github/github-port.js';
import { restOctokit } from '../github/octokit-client.js';
import { observabilityHandler, serve } from '../metrics/http-endpoints.js';
import { MedicMetrics } from '../metrics/metrics.js';
import { Notifier } from '../notifications/notifier.js';
import { DecisionLog, type LogFormat } from './decision-log.js';
import { githubIncidentHook, type IncidentHook, noIncidentHook } from './incident-hook.js';
import { incidentSettings } from './watch-settings.js';
import { Watcher } from './watcher.js';

export interface WatchOptions {
  readonly interval: number;
  /** Default: sized to the engine (recoveriesAtATime). */
  readonly concurrency?: number;
  readonly metricsPort: number;
  /** Where /metrics and /healthz listen (default 127.0.0.1: this machine only). */
  readonly metricsHost?: string;
  readonly env: Record<string, string | undefined>;
  /** Where the watcher says what it does (the CLI: stderr). */
  readonly say: (line: string) => void;
  /** How each decision is said (default human). */
  readonly logFormat?: LogFormat;
}

export async function runWatch(deps: CoreDeps, o: WatchOptions): Promise<void> {
  const incident = incidentSettings(o.env);
  const docker = connectDocker(deps.config);
  await deps.runtime.ping();
  const width = await atATime(deps, o.concurrency);
  const woken = await failureTriggerInstalled(deps).catch(() => false);
  const hook = watchIncidentHook(deps, o.env);
  let watcher: Watcher | undefined;
  const decisions = new DecisionLog(o.say, o.logFormat ?? 'human');
  const metrics = new MedicMetrics({
    leasesHeld: () => leasesHeld(deps.db),
    heldFailing: () => countHeldFailing(deps.db),
    breakers: () => listBreakers(deps.db),
    queueDepth: () => watcher?.queue.depth ?? 0,
    lastSweep: () => watcher?.lastSweepAt ?? null,
  });
  watcher = new Watcher(deps, {
    intervalS: o.interval,
    concurrency: width.n,
    incidents: hook,
    events: (since) =>
      docker.getEvents({
        ...(since ? { since } : {}),
        filters: { type: ['container'] },
      }) as Promise<Readable>,
    onResult: (r) => metrics.observe(r),
    lookMs: deps.config.lookMs,
    wakeOnFailure: woken,
    decisions,
  });
  const server =
    o.metricsPort > 0 ? await serve(observabilityHandler(deps, metrics), o.metricsPort, o.metricsHost) : null;
  watcher.start();
  const notifier = new Notifier(deps, o.env);
  notifier.start();
  const stopPruning = pruneDaily(deps);
  o.say(
    `medic: watching ws-* containers (sweep every ${o.interval}s, ${width.said}${woken ? ", woken by the platform's trigger" : ''}${server ? `, metrics on ${o.metricsHost ?? '127.0.0.1'}:${o.metricsPort}/metrics` : ''}${incident ? `, incidents in ${incident.owner}/${incident.repo}` : ''})`,
  );
  const signal = await untilStopSignal();
  o.say(
    `medic: ${signal}: finishing ${watcher.queue.inFlight} recoveries in flight (at most ${deps.config.drainMs / 1000} s, MEDIC_DRAIN_S)`,
  );
  stopPruning();
  const cut = await watcher.stop({ withinMs: deps.config.drainMs });
  if (cut > 0)
    o.say(`medic: ${cut} recoveries stopped at a safe point when the drain ran out (see medic history)`);
  await notifier.stop();
  decisions.close();
  server?.close();
}

/** Where healing reports go: an issue in MEDIC_INCIDENT_REPO, or nowhere. */
export function watchIncidentHook(deps: CoreDeps, env: Record<string, string | undefined>): IncidentHook {
  const incident = incidentSettings(env);
  if (!incident) return noIncidentHook;
  return githubIncidentHook(
    octokitPort(
      restOctokit(incident.token, incident.apiUrl, (m) => deps.logger.warn({}, m)),
      incident.owner,
      incident.repo,
    ),
    incident.label,
    deps.logger,
    async (runtime) => {
      const stored = await currentPolicy(deps.db);
      return stored ? runbookFor(stored.policy, runtime) : null;
    },
  );
}
