// The Probot app behind a real HTTP server on loopback, as GitHub reaches it: signed POSTs to
// /api/github/webhooks. GitHub's API is nock (no real network); retries and throttling off.
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { medicApp } from '../../src/app/app.js';
import type { CoreDeps } from '../../src/core/model/deps.js';
import type { PacerRegistry } from '../../src/github/write-pacer.js';
import { bodyCap, handlerServer, MAX_BODY_BYTES } from '../../src/http/server.js';
import type { Job } from '../../src/work/jobs/job-store.js';
import type { JobWorker } from '../../src/work/queue/index.js';
import { signedHeaders } from './webhooks.js';

export const SECRET = 'test-secret';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

export interface AppHarness {
  deliver(event: string, payload: unknown, delivery?: string, secret?: string): Promise<number>;
  /** The app's port on 127.0.0.1 (for requests that are not deliveries). */
  readonly port: number;
  idle(): Promise<void>;
  worker: JobWorker<Job>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Probot's production Octokit (retry and throttling on, real waits), for the GitHub-trouble tests. */
  readonly resilient?: boolean;
  /** Least time between two writes to GitHub (default 0). */
  readonly writeGapMs?: number;
}

export async function startApp(core: CoreDeps, options: HarnessOptions = {}): Promise<AppHarness> {
  // Tests run without retries or throttling (a function default, so that it wins over the
  // options Probot passes to each installation client), unless they test exactly those.
  const quiet = ProbotOctokit.defaults((o: object) => ({
    ...o,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  const probot = new Probot({
    appId: 1,
    privateKey,
    secret: SECRET,
    log: pino({ level: process.env.MEDIC_TEST_LOG ?? 'silent' }),
    ...(options.resilient ? {} : { Octokit: quiet }),
  });
  let worker: JobWorker<Job> | undefined;
  let pacers: PacerRegistry | undefined;
  const appFn = medicApp({
    core,
    concurrency: 2,
    editIntervalMs: 0,
    pollMs: 60_000,
    staleS: 60,
    commentMaxAgeS: 3600,
    // Paced as in production only where a test measures pacing; otherwise writes go at once.
    writeGapMs: options.writeGapMs ?? 0,
    regressionLookMs: 200,
    onWorker: (w) => {
      worker = w;
    },
    onPacers: (p) => {
      pacers = p;
    },
  });
  const middleware = await createNodeMiddleware(appFn, { probot });
  // The app's own server (body cap first), as `npm start` builds it.
  const server = handlerServer(
    [bodyCap(MAX_BODY_BYTES), async (req, res) => (await middleware(req, res)) === true],
    () => {},
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let n = 0;
  return {
    async deliver(event, payload, delivery = `d-${Date.now()}-${n++}`, secret = SECRET) {
      const body = JSON.stringify(payload);
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        body,
        headers: signedHeaders(event, delivery, body, secret),
      });
      await res.text();
      return res.status;
    },
    port,
    // Jobs done, and the writes they left to the pacer (the close, reactions) gone out.
    idle: async () => {
      await worker!.idle();
      await pacers?.idle();
    },
    get worker() {
      return worker!;
    },
    async close() {
      await worker?.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
