// medic serve [--port P] [--host H]: the read-only dashboard over the audit trail. With
// MEDIC_DASHBOARD_TOKEN every route needs it; without, it listens on 127.0.0.1 only, answers
// only a loopback Host, and any other --host is refused naming the variable.
import type { Command } from 'commander';
import { untilStopSignal } from '../../bootstrap/stop-signal.js';
import { type CoreDeps, InvalidConfigError } from '../../core/index.js';
import { dashboardSettings } from '../../dashboard/dashboard-settings.js';
import { doorExecutor } from '../../work/door-executor.js';
import { type CliSession, CORE_ENV, helpFooter, port } from '../context.js';
import { EXIT } from '../exit-codes.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerServe(program: Command, cli: CliSession): void {
  program
    .command('serve')
    .description(
      'serve the read-only dashboard (HTML and JSON) over the audit trail, and the HTTP API under /api/v1, until SIGTERM',
    )
    .option('--port <port>', 'port to listen on', port, 9470)
    .option(
      '--host <host>',
      'address to listen on (another than loopback needs MEDIC_DASHBOARD_TOKEN)',
      '127.0.0.1',
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic serve',
          'MEDIC_DASHBOARD_TOKEN=$(openssl rand -hex 32) medic serve --host 0.0.0.0 --port 9470',
        ],
        [
          'MEDIC_DASHBOARD_TOKEN (32 characters or more; required for a --host other than loopback)',
          'MEDIC_DASHBOARD_SECURE',
          'MEDIC_API_CALLS_PER_MINUTE (the HTTP API: calls per client per minute, 60)',
          ...CORE_ENV,
        ],
      ),
    )
    .action((o: { port: number; host: string }) => cli.withCore((deps) => serve(cli, deps, o)));
}

// The dashboard and the API on one server, and the notifier, until a stop signal; then the
// API's runs in flight are given MEDIC_DRAIN_S to finish.
async function serve(cli: CliSession, deps: CoreDeps, o: { port: number; host: string }): Promise<number> {
  const { token, secureCookie } = dashboardSettings(cli.ctx.env);
  if (!token && !LOOPBACK.has(o.host)) {
    throw new InvalidConfigError(`--host ${o.host} is not loopback and MEDIC_DASHBOARD_TOKEN is unset`, {
      hint: 'set MEDIC_DASHBOARD_TOKEN to serve beyond this machine, or keep --host 127.0.0.1',
    });
  }
  // The HTTP server, the dashboard's pages and the API load only here, not with every
  // command (node:http alone costs ~25 ms to import as a module: it loads undici).
  const { bodyCap, handlerServer, listen, MAX_BODY_BYTES } = await import('../../http/server.js');
  const { dashboardHandler } = await import('../../dashboard/server.js');
  const { apiHandler } = await import('../../api/handler.js');
  const api = apiHandler({
    deps,
    executor: doorExecutor(deps, null),
  });
  const server = handlerServer(
    [bodyCap(MAX_BODY_BYTES), api, dashboardHandler({ deps, token, secureCookie, base: '' })],
    (err) => deps.logger.error({ err: (err as Error).message }, 'a request failed'),
  );
  const address = await listen(server, { port: o.port, host: o.host, setting: '--port' });
  const { Notifier } = await import('../../notifications/notifier.js');
  const notifier = new Notifier(deps, cli.ctx.env);
  notifier.start();
  const shown = `${address.address}:${address.port}`;
  cli.io.err(
    `medic: serving on http://${shown}: the dashboard at /, the HTTP API at /api/v1 (its contract at /api/v1/openapi.json)${token ? '; the dashboard needs its token' : '; the dashboard on loopback only'}`,
  );
  const signal = await untilStopSignal();
  cli.io.err(
    `medic: ${signal}: finishing the API's runs in flight (at most ${deps.config.drainMs / 1000} s, MEDIC_DRAIN_S)`,
  );
  server.close();
  await api.idle({ withinMs: deps.config.drainMs });
  await notifier.stop();
  return EXIT.ok;
}
