// Benchmark 3: signed issue_comment deliveries to the running app (`node lib/app/main.js`
// against a GitHub stand-in process): time to the HTTP response under (a) a steady 50 a
// second for 10 s, with some redeliveries mixed in, (b) a burst of 200 at once, and (c) a
// burst of 100 at once while those jobs still run. Then every job must have run exactly once.
// The app runs with its default width, as `npm start` runs it. Peak RSS of the app (benchmark 5).
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { issueCommentPayload } from '../test/helpers/webhooks.js';
import { startAppProcess } from './app-process.js';
import { type Fleet, ROOT } from './fleet.js';
import { finish, startNode, waitForFile, waitForHttp } from './processes.js';
import { summarize } from './stats.js';

const SECRET = 'bench-secret';

export interface WebhookBench {
  readonly steady: { sent: number; redelivered: number; ms: number[]; non2xx: number };
  readonly burst: { sent: number; ms: number[]; non2xx: number };
  /** A burst of 100 while the jobs of the others still run. */
  readonly burst100?: { sent: number; ms: number[]; non2xx: number };
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
  log('  (c) burst: 100 deliveries at once, the jobs of (a) and (b) still running');
  const burst100 = await Promise.all(Array.from({ length: 100 }, (_, i) => deliver(`burst100-${i}`)));

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
    burst100: {
      sent: burst100.length,
      ms: burst100.map(([, t]) => t),
      non2xx: burst100.filter(([s]) => s < 200 || s > 299).length,
    },
    jobs: { stored: c.stored, done: c.done, ranOnce: c.once, drainMs },
    maxRssMb: exited.maxRssMb,
  };
}

/** Section 3 of bench/RESULTS.md. */
export function webhookSection(w: WebhookBench): string[] {
  const row = (load: string, r: { sent: number; ms: number[]; non2xx: number }, target: string) => {
    const m = summarize(r.ms);
    return `| ${load} | ${r.sent} | ${m.median.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.max.toFixed(1)} | ${r.non2xx} | ${target} |`;
  };
  const expected = w.steady.sent - w.steady.redelivered + w.burst.sent + (w.burst100?.sent ?? 0);
  return [
    "## 3. Webhook acknowledgement (signed `issue_comment` to `npm start`'s server, its default width)",
    '',
    '| load | deliveries | p50 ms | p99 ms | max ms | non-2xx | target |',
    '|---|--:|--:|--:|--:|--:|---|',
    row(`(a) steady 50/s for 10 s (+${w.steady.redelivered} redeliveries)`, w.steady, 'p99 < 50 ms'),
    row('(b) burst of 200 at once', w.burst, 'all 2xx, p99 < 500 ms'),
    ...(w.burst100
      ? [
          row(
            '(c) burst of 100 at once, the jobs of (a) and (b) running',
            w.burst100,
            'all 2xx, p99 < 500 ms',
          ),
        ]
      : []),
    '',
    `Jobs stored: ${w.jobs.stored} (one per delivery id: ${expected} expected); done: ${w.jobs.done}; done on their first and only attempt: ${w.jobs.ranOnce}. Drained ${Math.round(w.jobs.drainMs / 1000)} s after the last delivery (each job makes ~6 GitHub calls to the stand-in).`,
    '',
  ];
}
