// Benchmark 7 ([fleet]): what the agents cost and what they heal.
//   (a) the agent path against the in-process path on the same workspaces: recover() in this
//       process, then (the workspace broken again) the app's agents executor handing the same
//       recovery to a `medic agent` process through Postgres: queue and polling overhead.
//   (b) ChatOps end to end, delivery to result visible, through `npm start` with
//       MEDIC_EXECUTOR=local and with MEDIC_EXECUTOR=agents (alternating phases).
//   (c) the watcher's time to heal, as an agent does it: container death (the row marked
//       failed, the volume empty) to the row online.
import { randomUUID } from 'node:crypto';
import { recover } from '../src/core/index.js';
import { TASK_EVENTS, Wakeups } from '../src/db/wakeups.js';
import type { BrokenWorkspace } from '../src/demo/broken-workspace.js';
import { agentsExecutor } from '../src/work/tasks/agents-executor.js';
import { githubStandIn } from '../test/helpers/github-standin.js';
import { type Proc, startAgent } from '../test/helpers/processes.js';
import { startAppProcess } from './app-process.js';
import type { Fleet } from './fleet.js';
import { chatopsProbe, grantAll } from './latency-bench.js';
import { finish, waitForHttp } from './processes.js';

const SECRET = 'bench-fleet';
const ENGINE = 'bench';

export interface FleetBench {
  readonly executor: { readonly local: number[]; readonly agents: number[] };
  readonly chatops: { readonly local: number[]; readonly agents: number[] };
  readonly heal: number[];
  /** The first heal after the agent started, timed but not among `heal` (a warm-up). */
  readonly healWarmup: number;
}

export async function benchFleet(
  f: Fleet,
  o: { readonly rounds: number; readonly chatops: number; readonly heals: number },
  log: (s: string) => void,
): Promise<FleetBench> {
  const agentEnv = {
    DATABASE_URL: f.url,
    DOCKER_HOST: 'unix:///var/run/docker.sock',
    MEDIC_RESTART_BUDGET: '1000/1h',
  };
  let agent = await agentUp(startAgent(ENGINE, agentEnv, ['--no-heal']));
  try {
    log(`  (a) in-process vs agent path, ${o.rounds} workspaces`);
    const executor = await executorPaths(f, o.rounds);
    log(`  (b) ChatOps through the agents vs in-process, ${o.chatops} each`);
    const chatops = await chatopsPaths(f, o.chatops);
    await agent.stop();
    log(`  (c) the agent healing: container death to row online, ${o.heals} times after one warm-up`);
    const targets = await f.brokenMany(o.heals + 1).then((ws) => online(f, ws));
    agent = await agentUp(startAgent(ENGINE, agentEnv, ['--interval', '3600']));
    const [healWarmup, ...heal] = await healTimes(f, targets);
    return { executor, chatops, heal, healWarmup: healWarmup! };
  } finally {
    await agent.stop();
  }
}

/**
 * Resolves once the agent says it serves its engine (registered, engine listed, queue and
 * healing started), and its event stream has had a moment to connect: a sample taken before
 * would time the agent's start, not its work.
 */
async function agentUp(agent: Proc): Promise<Proc> {
  const end = Date.now() + 30_000;
  while (!agent.output().includes('medic: agent for engine')) {
    if (Date.now() > end || agent.child.exitCode !== null)
      throw new Error(`the agent did not start:\n${agent.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return agent;
}

/** Known to the agent (placed), so that the app can hand it their tasks. */
async function placed(f: Fleet, ws: readonly BrokenWorkspace[]): Promise<void> {
  for (;;) {
    const { rows } = await f.db.query(
      'SELECT count(*)::int AS n FROM medic.placements WHERE container = ANY($1)',
      [ws.map((w) => w.container)],
    );
    if ((rows[0] as { n: number }).n === ws.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Empties the volume and marks the row failed: broken again, the incident's way. */
async function breakAgain(f: Fleet, w: BrokenWorkspace): Promise<void> {
  const c = await f.docker.createContainer({
    Image: f.image,
    Cmd: ['sh', '-c', 'rm -rf /c/* /c/.[!.]*'],
    HostConfig: { Binds: [`${w.volume}:/c`], NetworkMode: 'none' },
  });
  await c.start();
  await c.wait();
  await c.remove({ force: true });
  await f.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [w.id]);
}

async function executorPaths(f: Fleet, rounds: number): Promise<FleetBench['executor']> {
  const deps = f.deps();
  const ws = await f.brokenMany(rounds);
  await placed(f, ws);
  const local: number[] = [];
  const agents: number[] = [];
  const request = { actor: 'bench', source: 'cli' as const };
  // As the app does: NOTIFY wakes the reads of the task; 200 ms polls are the fallback.
  const wakeups = await Wakeups.open(deps.db, TASK_EVENTS, deps.logger);
  const viaAgent = (w: BrokenWorkspace) =>
    agentsExecutor(deps, `bench:${randomUUID()}`, { waitS: 30, pollMs: 200, wakeups }).recover(
      w.container,
      request,
    );
  for (const [i, w] of ws.entries()) {
    // Alternate which goes first, so neither always meets a warmer engine.
    const order: Array<[number[], () => Promise<{ outcome: string }>]> = [
      [local, () => recover(deps, w.container, request)],
      [agents, () => viaAgent(w)],
    ];
    if (i % 2) order.reverse();
    for (const [j, [samples, run]] of order.entries()) {
      if (j > 0) await breakAgain(f, w);
      const t0 = performance.now();
      const r = await run();
      samples.push(performance.now() - t0);
      if (r.outcome !== 'recovered') throw new Error(`fleet bench: ${r.outcome}`);
    }
  }
  await wakeups.close();
  return { local, agents };
}

async function chatopsPaths(f: Fleet, n: number): Promise<FleetBench['chatops']> {
  await grantAll(f);
  const gh = await githubStandIn({ alice: 'admin' });
  const samples = { local: [] as number[], agents: [] as number[] };
  try {
    // Two phases each, alternating: one app at a time (any app claims any stored job).
    for (const phase of ['local', 'agents', 'local', 'agents'] as const) {
      const env: Record<string, string> =
        phase === 'agents'
          ? { MEDIC_EXECUTOR: 'agents', DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
          : {};
      const { child, port } = await startAppProcess(f, {
        secret: SECRET,
        githubHost: new URL(gh.url).host,
        env,
      });
      const done = finish(child);
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, done);
        const probe = chatopsProbe(f, gh, port, SECRET);
        for (let i = 0; i < Math.ceil(n / 2); i++) {
          const [w] = await f.brokenMany(1);
          await placed(f, [w!]);
          samples[phase].push((await probe.recover(w!)).resultMs);
        }
      } finally {
        child.kill('SIGTERM');
        await done;
      }
    }
  } finally {
    await gh.close();
  }
  return samples;
}

/** Rows marked online over empty volumes: what a container death then makes an incident of. */
async function online(f: Fleet, ws: BrokenWorkspace[]): Promise<BrokenWorkspace[]> {
  await f.db.query("UPDATE workspaces SET status = 'online' WHERE id = ANY($1::uuid[])", [
    ws.map((w) => w.id),
  ]);
  return ws;
}

async function healTimes(f: Fleet, ws: readonly BrokenWorkspace[]): Promise<number[]> {
  await placed(f, ws);
  const times: number[] = [];
  for (const w of ws) {
    await f.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1", [w.id]);
    const t0 = performance.now();
    await f.docker.getContainer(w.container).kill();
    for (;;) {
      if ((await f.status(w.id)) === 'online') break;
      if (performance.now() - t0 > 60_000)
        throw new Error(`fleet bench: ${w.container} was not healed within 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    times.push(performance.now() - t0);
  }
  return times;
}
