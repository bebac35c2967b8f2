// `medic watch`: runs the watcher with its metrics endpoint until SIGTERM or SIGINT, then
// finishes the recoveries in flight and exits 0.
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { CoreDeps } from '../../core/model/deps.js';
import { leasesHeld } from '../../core/run/lease.js';
import { dockerOptions } from '../../docker/engine-errors.js';
import { actionOctokit } from '../../github/octokit-client.js';
import { observabilityHandler, serve } from '../../metrics/http-endpoints.js';
import { MedicMetrics } from '../../metrics/metrics.js';
import { githubIncidentHook, noIncidentHook } from '../../watch/incident-hook.js';
import { incidentSettings } from '../../watch/watch-settings.js';
import { Watcher } from '../../watch/watcher.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';

export interface WatchOptions {
  readonly interval: number;
  readonly concurrency: number;
  readonly metricsPort: number;
  readonly env: Record<string, string | undefined>;
  readonly io: Io;
}

export async function runWatch(deps: CoreDeps, o: WatchOptions): Promise<number> {
  const incident = incidentSettings(o.env);
  const docker = new Docker(dockerOptions(deps.config.dockerHost));
  await deps.runtime.ping();
  const hook = incident
    ? githubIncidentHook(
        actionOctokit(incident.token, incident.apiUrl, (m) => deps.logger.warn({}, m)),
        incident.owner,
        incident.repo,
        incident.label,
        deps.logger,
      )
    : noIncidentHook;
  let watcher: Watcher | undefined;
  const metrics = new MedicMetrics({
    leasesHeld: () => leasesHeld(deps.db),
    queueDepth: () => watcher?.queue.depth ?? 0,
  });
  watcher = new Watcher(deps, {
    intervalS: o.interval,
    concurrency: o.concurrency,
    incidents: hook,
    events: (since) =>
      docker.getEvents({
        ...(since ? { since } : {}),
        filters: { type: ['container'] },
      }) as Promise<Readable>,
    onResult: (r) => metrics.observe(r),
  });
  const server = o.metricsPort > 0 ? await serve(observabilityHandler(deps, metrics), o.metricsPort) : null;
  watcher.start();
  o.io.err(
    `medic: watching ws-* containers (sweep every ${o.interval}s, ${o.concurrency} at a time${server ? `, metrics on :${o.metricsPort}/metrics` : ''}${incident ? `, incidents in ${incident.owner}/${incident.repo}` : ''})`,
  );
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  o.io.err(`medic: ${signal}: finishing ${watcher.queue.inFlight} recoveries in flight`);
  await watcher.stop();
  server?.close();
  return EXIT.ok;
}
