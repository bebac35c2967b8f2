// Benchmark 3: signed issue_comment deliveries to the running app (`node lib/app/main.js`
// against a GitHub stand-in process): time to the HTTP response under (a) a steady 50 a
// second for 10 s, with some redeliveries mixed in, and (b) a burst of 200 at once. Then
// every job must have run exactly once. Peak RSS of the app (benchmark 5).
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { issueCommentPayload } from '../test/helpers/webhooks.js';
import { startAppProcess } from './app-process.js';
import { type Fleet, ROOT } from './fleet.js';
import { finish, startNode, waitForFile, waitForHttp } from './processes.js';

const SECRET = 'bench-secret';

export interface WebhookBench {
  readonly steady: { sent: number; redelivered: number; ms: number[]; non2xx: number };
  readonly burst: { sent: number; ms: number[]; non2xx: number };
  readonly jobs: { stored: number; done: number; ranOnce: number; drainMs: number };
  readonly maxRssMb: number | null;
}

export async function benchWebhooks(f: Fleet, log: (s: string) => void): Promise<WebhookBench> {
  const [ws] = await f.brokenMany(1);
  const dir = mkdtempSync(path.join(tmpdir(), 'medic-bench-'));
  const standIn = startNode(
    ['--import', 'tsx', path.join(ROOT, 'bench/standin-main.ts'), path.join(dir, 'port'), '{"alice":"read"}'],
    process.env,
  );
  const ghPort = await waitForFile(path.join(dir, 'port'));
  const { child: app, port } = await startAppProcess(f, {
    secret: SECRET,
    githubHost: `127.0.0.1:${ghPort}`,
    rssProbe: true,
    env: {
      MEDIC_APP_CONCURRENCY: '32',
      // This benchmark measures the acknowledgement path and exactly-once, not GitHub's pace
      // (the latency benchmark does): the stand-in has no rate limits, so writes go at once.
      MEDIC_WRITE_GAP_MS: '0',
      MEDIC_WRITES_PER_MINUTE: '1000000',
    },
  });
  const appDone = finish(app);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, appDone);

  let n = 0;
  const deliver = async (id: string): Promise<[number, number]> => {
    // A read-only commenter's /diagnose: stored, run, refused with a comment. Each delivery
    // its own installation, since Octokit spaces writes per installation.
    const installation = 1000 + Number(id.replace(/\D/g, '').slice(-6));
    const payload = {
      ...issueCommentPayload({ body: `/diagnose ${ws!.container}`, issue: 1 + (n++ % 50) }),
      installation: { id: installation },
    };
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    };
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers,
    });
    await res.arrayBuffer();
    return [res.status, performance.now() - t0];
  };

  log('  (a) steady: 50 deliveries a second for 10 s, every tenth one delivered twice');
  const steadyCalls: Array<Promise<[number, number]>> = [];
  const t0 = performance.now();
  let redelivered = 0;
  for (let i = 0; i < 500; i++) {
    const due = t0 + i * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    steadyCalls.push(deliver(`steady-${i}`));
    if (i % 10 === 9) {
      steadyCalls.push(deliver(`steady-${i}`));
      redelivered++;
    }
  }
  const steady = await Promise.all(steadyCalls);
  log('  (b) burst: 200 deliveries at once');
  const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => deliver(`burst-${i}`)));

  const drainStart = performance.now();
  const counts = async () => {
    const { rows } = await f.db.query(
      "SELECT count(*)::int AS stored, count(*) FILTER (WHERE state = 'done')::int AS done, count(*) FILTER (WHERE state = 'done' AND attempts = 1)::int AS once FROM medic.jobs",
    );
    return z.array(z.object({ stored: z.number(), done: z.number(), once: z.number() })).parse(rows)[0]!;
  };
  let c = await counts();
  while (c.done < c.stored && performance.now() - drainStart < 300_000) {
    await new Promise((r) => setTimeout(r, 500));
    c = await counts();
  }
  const drainMs = performance.now() - drainStart;
  app.kill('SIGTERM');
  const exited = await appDone;
  standIn.kill('SIGTERM');
  return {
    steady: {
      sent: steady.length,
      redelivered,
      ms: steady.map(([, t]) => t),
      non2xx: steady.filter(([s]) => s < 200 || s > 299).length,
    },
    burst: {
      sent: burst.length,
      ms: burst.map(([, t]) => t),
      non2xx: burst.filter(([s]) => s < 200 || s > 299).length,
    },
    jobs: { stored: c.stored, done: c.done, ranOnce: c.once, drainMs },
    maxRssMb: exited.maxRssMb,
  };
}
