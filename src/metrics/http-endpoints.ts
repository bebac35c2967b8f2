// /metrics and /healthz as a plain request handler: served by the watcher's own server, and
// added to Probot's server by the app. /healthz answers 200 when the database and the Docker
// engine answer (an app whose agents hold the engines checks only the database), 503 (with
// what failed) otherwise. The engine is asked at most every 5 s, however often /healthz is
// polled (requests in between share the last answer, or the one under way), so a probe or a
// stranger hammering the endpoint never becomes load on Docker.
import type http from 'node:http';
import { asMedicError, type CoreDeps } from '../core/index.js';
import { type Handler, handlerServer, listen } from '../http/server.js';
import type { MedicMetrics } from './metrics.js';

export type { Handler } from '../http/server.js';

/** How long one answer from the engine stands for /healthz. */
export const DOCKER_CHECK_MS = 5000;

export function observabilityHandler(
  deps: Pick<CoreDeps, 'db' | 'runtime' | 'clock'>,
  metrics: MedicMetrics,
  /** False for the app with MEDIC_EXECUTOR=agents: it holds no engine, so none is checked. */
  usesDocker = true,
): Handler {
  // Codes only: an error's message may carry a host, a user or a connection string.
  const check = async (fn: () => Promise<unknown>) =>
    fn().then(
      () => 'ok',
      (e: unknown) => asMedicError(e).code,
    );
  let docker: { readonly at: number; readonly answer: Promise<string> } | null = null;
  const dockerCheck = (): Promise<string> => {
    const now = deps.clock.now().getTime();
    if (!docker || now - docker.at >= DOCKER_CHECK_MS)
      docker = { at: now, answer: check(() => deps.runtime.ping()) };
    return docker.answer;
  };
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET') return false;
    if (path === '/metrics') {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
      return true;
    }
    if (path === '/healthz') {
      const [database, engine] = await Promise.all([
        check(() => deps.db.query('SELECT 1')),
        usesDocker ? dockerCheck() : Promise.resolve('not used'),
      ]);
      const ok = database === 'ok' && (engine === 'ok' || !usesDocker);
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok, database, docker: engine }));
      return true;
    }
    return false;
  };
}

/**
 * The metrics and health endpoints of `watch` and `agent`, on `--metrics-port`, on this machine
 * only unless `--metrics-host` says otherwise (a scraper in another container or host).
 */
export async function serve(handler: Handler, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = handlerServer([handler], () => undefined);
  await listen(server, { port, host, setting: '--metrics-port' });
  return server;
}
