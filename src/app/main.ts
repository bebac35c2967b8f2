// `npm start`: the Probot app with Probot's standard env (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET,
// GHE_HOST, GHE_PROTOCOL, PORT), over the core opened from medic's own env. Its server caps
// request bodies before Probot reads them, and serves /metrics and /healthz beside the webhooks.
import { createNodeMiddleware, createProbot, run } from 'probot';
import { apiHandler } from '../api/handler.js';
import { openCore, packageRootFrom } from '../bootstrap/open-core.js';
import { untilStopSignal } from '../bootstrap/stop-signal.js';
import {
  asMedicError,
  countHeldFailing,
  leasesHeld,
  listBreakers,
  pruneDaily,
  redactSecrets,
  secretsOf,
} from '../core/index.js';
import { dashboardSettings } from '../dashboard/dashboard-settings.js';
import { dashboardHandler } from '../dashboard/server.js';
import { openPgDatabase } from '../db/pg-database.js';
import type { PacerRegistry } from '../github/write-pacer.js';
import { bodyCap, handlerServer, listen, MAX_BODY_BYTES } from '../http/server.js';
import { observabilityHandler } from '../metrics/http-endpoints.js';
import { MedicMetrics } from '../metrics/metrics.js';
import { openTracer } from '../metrics/tracing.js';
import { Notifier } from '../notifications/notifier.js';
import { doorExecutor } from '../work/door-executor.js';
import { type Job, jobCounts } from '../work/jobs/job-store.js';
import { noDocker } from '../work/no-docker.js';
import type { JobWorker } from '../work/queue/index.js';
import { medicApp } from './app.js';
import { appSettings } from './settings.js';
import { TunedProbotOctokit } from './tuned-octokit.js';

const env = process.env;
try {
  const settings = appSettings(env);
  const dashboard = dashboardSettings(env);
  const opened = await openCore({
    env,
    packageRoot: packageRootFrom(import.meta.url),
    poolSize: settings.concurrency + 4,
    ...(settings.executor ? { runtime: noDocker } : {}),
  });
  // [pager] Runs as traces when an OTLP endpoint is set (nothing is loaded otherwise).
  const tracer = await openTracer(env, 'workspace-medic-app');
  const core = tracer ? { ...opened, tracer } : opened;
  const metrics = new MedicMetrics({
    leasesHeld: () => leasesHeld(core.db),
    heldFailing: () => countHeldFailing(core.db),
    breakers: () => listBreakers(core.db),
    queueDepth: async () => (await jobCounts(core.db)).pending ?? 0,
  });
  let worker: JobWorker<Job> | undefined;
  let pacers: PacerRegistry | undefined;
  // Webhooks are stored through connections of their own: an acknowledgement never waits for
  // a connection that the jobs it wakes are using (the embedded database has one anyway).
  const intake = core.config.databaseUrl ? openPgDatabase(core.config.databaseUrl, core.logger, 4) : core.db;
  const app = medicApp({
    core,
    intake,
    ...settings,
    onResult: (r) => metrics.observe(r),
    onWorker: (w) => {
      worker = w;
    },
    onPacers: (p) => {
      pacers = p;
    },
  });
  if (!env.APP_ID) {
    // Not registered yet: Probot's own server runs its manifest flow to create the app.
    await run(app, { env });
  } else {
    const probot = createProbot({
      env,
      overrides: { Octokit: TunedProbotOctokit },
    });
    const webhooks = await createNodeMiddleware(app, { probot });
    // The platform's own door (/api/v1): with agents, each call's work goes to its engine's agent.
    const agents = settings.executor?.agents;
    const api = apiHandler({
      deps: core,
      executor: doorExecutor(core, agents),
    });
    const server = handlerServer(
      [
        bodyCap(MAX_BODY_BYTES),
        api,
        async (req, res) => (await webhooks(req, res)) === true,
        observabilityHandler(core, metrics, !settings.executor),
        // The dashboard under /medic/, only behind a token: the app listens beyond loopback.
        ...(dashboard.token
          ? [
              dashboardHandler({
                deps: core,
                token: dashboard.token,
                secureCookie: dashboard.secureCookie,
                base: '/medic',
              }),
            ]
          : []),
      ],
      (err) => probot.log.error(err),
    );
    const { port, host } = settings.listen;
    await listen(server, { port, host, setting: 'PORT' });
    const stopPruning = pruneDaily(core);
    const notifier = new Notifier(core, env);
    notifier.start();
    probot.log.info(`medic app listening on ${host}:${port}`);
    // SIGTERM (a supervisor) or SIGINT (Ctrl-C): the same drain.
    const signal = await untilStopSignal();
    probot.log.info(
      `${signal}: finishing ${worker?.busy ?? 0} jobs in flight (at most ${core.config.drainMs / 1000} s, MEDIC_DRAIN_S)`,
    );
    // Finish the runs in flight (they hold leases and comments) for a bounded time; what is
    // left goes back to the queue for another replica, and the process leaves.
    stopPruning();
    await worker?.stop({ withinMs: core.config.drainMs });
    await api.idle({ withinMs: core.config.drainMs });
    await notifier.stop();
    // Closes and reactions still queued go out first (bounded: GitHub may be slow).
    await pacers?.idle(30_000);
    server.close();
    if (intake !== core.db) await intake.close();
    await core.db.close();
    process.exit(0);
  }
} catch (error) {
  const e = asMedicError(error);
  const text = `medic app: ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`;
  process.stderr.write(redactSecrets(text, secretsOf(env)));
  process.exit(1);
}
