// Benchmark 6 ([latency]): what a user waits for in ChatOps. The app as `npm start` runs it
// (its own process, GitHub's pace: a second between writes, 80 a minute), against a GitHub
// stand-in that records when each write lands. For each /recover: delivery to the result
// visible in the issue (the first comment body carrying `medic:result`), delivery to the issue
// closed, and the core's own time for the same run (from the stored result). (a) one command
// at a time; (b) twenty at once in one repository. And the writes: the most in any 10 s and
// in any minute.
import { createHmac } from 'node:crypto';
import { applyPolicy, parsePolicy, resolvePolicy, resultSchema } from '../src/core/index.js';
import { githubStandIn, type StandIn } from '../test/helpers/github-standin.js';
import { issueCommentPayload } from '../test/helpers/webhooks.js';
import { startAppProcess } from './app-process.js';
import type { Fleet } from './fleet.js';
import { finish, waitForHttp } from './processes.js';

const SECRET = 'bench-latency';

export interface LatencySample {
  /** Delivery sent to the result visible, and to the issue closed (ms). */
  readonly resultMs: number;
  readonly closedMs: number;
  /** The core's own time for the run (finishedAt - startedAt). */
  readonly coreMs: number;
}

export interface LatencyBench {
  readonly single: LatencySample[];
  readonly twenty: LatencySample[];
  /** Most writes the stand-in saw in any 10 s window, and in any 60 s window (scenario b). */
  readonly maxWritesPer10s: number;
  readonly maxWritesPerMinute: number;
  readonly twentyWrites: number;
  /** (c) an admin's /recover sent amid 200 comments from ten strangers across two repositories. */
  readonly amidFlood: LatencySample[];
  /** (c) refusal comments written, and the (actor, repository) pairs they answered. */
  readonly floodRefusals: { readonly comments: number; readonly pairs: number };
  /** (d) an admin's /recover sent 3 s into a flood from five strangers, each sending 20 comments on each of two repositories as fast as it can. */
  readonly amidSenders: readonly LatencySample[];
}

const STRANGERS = Array.from({ length: 10 }, (_, i) => `stranger-${i}`);

export async function benchLatency(
  f: Fleet,
  singles: number,
  log: (s: string) => void,
): Promise<LatencyBench> {
  await grantAll(f);
  const gh = await githubStandIn({
    alice: 'admin',
    bob: 'admin',
    ...Object.fromEntries(STRANGERS.map((s) => [s, 'read'])),
  });
  const { child: app, port } = await startAppProcess(f, { secret: SECRET, githubHost: new URL(gh.url).host });
  const appDone = finish(app);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, appDone);
    const { send, sample } = chatopsProbe(f, gh, port, SECRET);

    log(`  (a) one /recover at a time, ${singles} times`);
    const single: LatencySample[] = [];
    for (let i = 0; i < singles; i++) {
      const [ws] = await f.brokenMany(1);
      await quiet(gh); // the previous command's last writes (its reaction) are done
      single.push(await sample(await send(ws!.container), ws!.id));
    }

    log('  (b) twenty /recover at once in one repository');
    const many = await f.brokenMany(20);
    await quiet(gh);
    const from = gh.writes.length;
    // One on-call engineer's twenty commands (medic allows 20 per person per 10 minutes).
    const sent = await Promise.all(many.map((ws) => send(ws.container, 'bob')));
    const twenty = await Promise.all(sent.map((s, i) => sample(s, many[i]!.id))).catch((error: unknown) => {
      log(
        `  issues never closed: ${sent
          .filter((s) => !gh.closedAt.has(s.n))
          .map((s) => s.n)
          .join(' ')}`,
      );
      throw error;
    });
    await quiet(gh);
    const times = gh.writes.slice(from).map((w) => w.at);

    log('  (c) an admin /recover amid 200 comments from ten strangers, 3 times');
    const amidFlood: LatencySample[] = [];
    for (let round = 0; round < 3; round++) {
      const [ws] = await f.brokenMany(1);
      await quiet(gh);
      // Strangers: /recover --force from a repository nobody granted, /rollback where they hold read.
      const flood = (n: number) =>
        Promise.all(
          Array.from({ length: n }, (_, i) =>
            i % 2 === 0
              ? sendAs(port, SECRET, `/recover ${ws!.container} --force`, STRANGERS[(i >> 1) % 10]!, {
                  name: 'ungranted',
                  id: 555001,
                })
              : sendAs(port, SECRET, `/rollback ${ws!.id}`, STRANGERS[(i >> 1) % 10]!),
          ),
        );
      await flood(100);
      const sent = await send(ws!.container, 'alice');
      await flood(100);
      amidFlood.push(await sample(sent, ws!.id));
    }
    log(
      '  (d) an admin /recover 3 s into five strangers sending 20 comments each on two repositories, 3 times',
    );
    const amidSenders: LatencySample[] = [];
    for (let round = 0; round < 3; round++) {
      const [ws] = await f.brokenMany(1);
      await quiet(gh);
      // Each stranger one sender, its comments one after another, as fast as its answers come.
      const sender = async (login: string) => {
        for (let i = 0; i < 40; i++)
          await (i % 2 === 0
            ? sendAs(port, SECRET, `/recover ${ws!.container} --force`, login, {
                name: 'ungranted',
                id: 555001,
              })
            : sendAs(port, SECRET, `/rollback ${ws!.id}`, login));
      };
      const flood = Promise.all(STRANGERS.slice(0, 5).map((s) => sender(`${s}-d`)));
      await new Promise((r) => setTimeout(r, 3000));
      const sent = await send(ws!.container, 'alice');
      await flood;
      amidSenders.push(await sample(sent, ws!.id));
    }
    const refusals = [...gh.comments.values()].filter((c) => c.body.includes('medic refused'));
    const pairs = new Set(refusals.map((c) => `${/refused @([\w-]+)/.exec(c.body)?.[1]} ${c.repo}`));
    return {
      amidFlood,
      amidSenders,
      floodRefusals: { comments: refusals.length, pairs: pairs.size },
      single,
      twenty,
      maxWritesPer10s: maxInWindow(times, 10_000),
      maxWritesPerMinute: maxInWindow(times, 60_000),
      twentyWrites: times.length,
    };
  } finally {
    app.kill('SIGTERM');
    await appDone;
    await gh.close();
  }
}

/** The operator's policy granting acme/platform every workspace. */
export async function grantAll(f: Fleet): Promise<void> {
  const policy = parsePolicy('repos:\n  - repo: acme/platform\n    id: 186853002\n    workspaces: all\n');
  await applyPolicy(f.db, policy, (await resolvePolicy(policy, null, new Date())).resolution, 'bench');
}

let issue = 1000;

/** A signed comment on an issue of its own, from acme/platform or another repository; when it was sent. */
async function sendAs(
  port: number,
  secret: string,
  text: string,
  login: string,
  repository?: { name: string; id: number },
): Promise<{ n: number; sentAt: number }> {
  const n = issue++;
  const body = JSON.stringify(
    issueCommentPayload({ body: text, issue: n, login, ...(repository ? { repository } : {}) }),
  );
  const sentAt = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': `latency-${n}-${process.pid}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  });
  await res.text();
  return { n, sentAt };
}

/**
 * Sends signed /recover comments to an app on `port` and reads, from the stand-in, when each
 * one's result became visible and its issue closed, beside the run's own core time.
 */
export function chatopsProbe(f: Fleet, gh: StandIn, port: number, secret: string) {
  const send = (container: string, login = 'alice') => sendAs(port, secret, `/recover ${container}`, login);
  const sample = async (sent: { n: number; sentAt: number }, workspaceId: string): Promise<LatencySample> => {
    await until(() => gh.closedAt.has(sent.n), 180_000);
    const { rows } = await f.db.query(
      "SELECT result FROM medic.runs WHERE workspace_id = $1 AND command = 'recover' AND outcome <> 'refused' ORDER BY started_at DESC LIMIT 1",
      [workspaceId],
    );
    const r = resultSchema.parse((rows[0] as { result: unknown }).result);
    return {
      resultMs: gh.resultAt.get(sent.n)! - sent.sentAt,
      closedMs: gh.closedAt.get(sent.n)! - sent.sentAt,
      coreMs: Date.parse(r.finishedAt) - Date.parse(r.startedAt),
    };
  };
  return {
    send,
    sample,
    /** One /recover when GitHub is quiet (the previous command's last writes are done). */
    recover: async (w: { readonly container: string; readonly id: string }) => {
      await quiet(gh);
      return sample(await send(w.container), w.id);
    },
  };
}

/** The most timestamps in any window of `ms` starting at one of them. */
export function maxInWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - ms + 1e-9 && j < i) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error('latency bench: timed out waiting for the stand-in');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the stand-in has seen no write for 2.5 s (the pacer's queue is empty). */
async function quiet(gh: StandIn): Promise<void> {
  for (;;) {
    const last = gh.writes.at(-1)?.at ?? 0;
    if (performance.now() - last > 2500) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
