// The fleet for real: two Docker engines on this machine (the second from
// scripts/second-engine.sh), an agent for each, three app replicas with MEDIC_EXECUTOR=agents
// that hold no engine (their DOCKER_HOST names no socket), one Postgres, and signed deliveries
// to a GitHub stand-in. Each /recover is delivered to one replica and redelivered to another.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../../src/core/index.js';
import {
  type BrokenWorkspace,
  createBrokenWorkspace,
  removeFixtures,
} from '../../src/demo/broken-workspace.js';
import { ensureLocalImage } from '../../src/docker/local-image.js';
import type { FleetStatus } from '../../src/engines/fleet-status.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import {
  deliverRecover,
  lsOn,
  placementOf,
  recoveredRuns as recoveredFor,
  resultOf as resultFor,
  taskReached,
  tasksOf as tasksFor,
  until,
  agentUp as upOn,
} from '../helpers/fleet-rig.js';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { type Proc, type Replica, ready, startAgent, startReplica } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { issueCommentPayload, signedHeaders } from '../helpers/webhooks.js';

const SECRET = 'fleet-secret';
const MEDIC = path.resolve(import.meta.dirname, '../../lib/medic.js');
const ENGINE_A = 'unix:///var/run/docker.sock';
const ENGINE_B = process.env.MEDIC_TEST_DOCKER_B ?? '';

let world: TestWorld;
let dockerB: Docker;
let imageB: string;
let gh: StandIn;
const agents = new Map<string, Proc>();
let replicas: Replica[] = [];
let issue = 3000;

const agentEnv = (host: string) => ({ DATABASE_URL: world.url, DOCKER_HOST: host });

async function agentUp(engine: 'a' | 'b'): Promise<Proc> {
  const agent = await upOn(world.db, engine, agentEnv(engine === 'a' ? ENGINE_A : ENGINE_B));
  agents.set(engine, agent);
  return agent;
}

async function brokenOn(engine: 'a' | 'b', cmd?: string[]): Promise<BrokenWorkspace> {
  const w =
    engine === 'a'
      ? await world.broken(cmd ? { cmd } : {})
      : await createBrokenWorkspace(dockerB, world.db, {
          image: imageB,
          labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
        });
  // The agent learns of it from the engine's create event.
  await expect.poll(() => placement(w.container), { timeout: 15_000, interval: 50 }).toBe(engine);
  return w;
}

const placement = (container: string) => placementOf(world.db, container);

/** Posts a signed /recover to one replica, and the same delivery (GitHub's redelivery) to another. */
async function recoverVia(targets: readonly string[], first: number, second: number): Promise<number> {
  const n = issue++;
  await deliverRecover(replicas, SECRET, { targets, issue: n, first, second });
  return n;
}

/**
 * A /recover of a workspace on engine A whose container ignores SIGTERM, so that its stop takes
 * the agent's whole stop timeout (3 s); resolves while that stop is under way (the template
 * step is stored, the task is running): the moment to stop or kill the agent.
 */
async function recoveringMidStop(first: number, second: number): Promise<{ w: BrokenWorkspace; n: number }> {
  const w = await brokenOn('a', ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']);
  const n = await recoverVia([w.container], first, second);
  await taskReached(world.db, w.container, 'template');
  return { w, n };
}

const resultOf = (n: number, timeout = 60_000) => resultFor(gh, n, timeout);

/** What a volume holds, read on the engine that has it (reading it elsewhere would create it there). */
const lsOnEngine = (docker: Docker, volume: string) =>
  lsOn(docker, docker === dockerB ? imageB : world.image, volume);

const tasksOf = (target: string) => tasksFor(world.db, target);
const recoveredRuns = (id: string) => recoveredFor(world.db, id);

beforeAll(async () => {
  if (!ENGINE_B)
    throw new Error(
      'MEDIC_TEST_DOCKER_B is unset: run the tests with `npm test`, which starts the second engine',
    );
  world = await testWorld();
  dockerB = new Docker({ socketPath: new URL(ENGINE_B).pathname });
  imageB = await ensureLocalImage(dockerB);
  await applyTestPolicy(world.db);
  gh = await githubStandIn({ alice: 'admin' });
  await Promise.all([agentUp('a'), agentUp('b')]);
  replicas = [0, 1, 2].map(() =>
    startReplica({
      DATABASE_URL: world.url,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: new URL(gh.url).host,
      MEDIC_AGENT_WAIT_S: '4',
      MEDIC_POLL_MS: '500',
    }),
  );
  await Promise.all(replicas.map((r) => ready(`http://127.0.0.1:${r.port}/healthz`, r)));
}, 120_000);

afterEach((ctx) => {
  // What the processes said, when a test failed: the agents' and replicas' logs.
  if (ctx.task.result?.state !== 'fail') return;
  for (const [engine, agent] of agents) console.error(`--- agent ${engine}\n${agent.output()}`);
  for (const [i, r] of replicas.entries()) console.error(`--- replica ${i}\n${r.output()}`);
});

afterAll(async () => {
  // A process a failed test left frozen (SIGSTOP) would ignore SIGTERM until it is continued.
  for (const p of [...agents.values(), ...replicas])
    if (p.child.pid && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGCONT');
  await Promise.all([...agents.values(), ...replicas].map((p) => p.stop()));
  await gh?.close();
  if (dockerB && world) await removeFixtures(dockerB, world.label);
  await world?.close();
}, 60_000);

describe('three replicas and two agents on two engines', () => {
  it('recovers six workspaces, each delivered twice, each exactly once on its own engine', async () => {
    const ws = [
      ...(await Promise.all([brokenOn('a'), brokenOn('a'), brokenOn('a')])),
      ...(await Promise.all([brokenOn('b'), brokenOn('b'), brokenOn('b')])),
    ];
    const issues = await Promise.all(ws.map((w, i) => recoverVia([w.container], i % 3, (i + 1) % 3)));
    for (const [i, w] of ws.entries()) {
      const body = await resultOf(issues[i]!);
      expect(body).toContain('recovered');
      expect(await world.status(w.id)).toBe('online');
      const engine = i < 3 ? 'a' : 'b';
      expect(await lsOnEngine(engine === 'a' ? world.docker : dockerB, w.volume)).toContain('config.yaml');
      const tasks = await tasksOf(w.container);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ engine, state: 'done', attempts: 1 });
      expect(tasks[0]!.worker).toContain(`:${agents.get(engine)!.child.pid}/`);
      expect(await recoveredRuns(w.id)).toBe(1);
    }
    // The volume that was seeded is on the engine the agent served: B's volumes are not on A.
    const onA = (await world.docker.listVolumes()).Volumes.map((v) => v.Name);
    for (const w of ws.slice(3)) expect(onA).not.toContain(w.volume);
    // One job per comment, though each was delivered to two replicas.
    const { rows } = await world.db.query("SELECT count(*)::int AS n FROM medic.jobs WHERE kind = 'comment'");
    expect((rows[0] as { n: number }).n).toBeGreaterThanOrEqual(6);
    expect((rows[0] as { n: number }).n).toBe(issue - 3000);
  }, 120_000);

  it('a workspace no agent has seen fails with WORKSPACE_NOT_PLACED, changing nothing', async () => {
    const id = randomUUID();
    await world.db.query(
      "INSERT INTO workspaces (id, name, status, runtime) VALUES ($1, 'ghost', 'failed', 'langgraph')",
      [id],
    );
    const n = await recoverVia([containerName(id)], 0, 2);
    expect(await resultOf(n)).toContain('WORKSPACE_NOT_PLACED');
    expect(await world.status(id)).toBe('failed');
    const { rows } = await world.db.query(
      'SELECT outcome, error_code FROM medic.runs WHERE workspace_id = $1',
      [id],
    );
    expect(rows).toEqual([{ outcome: 'failed', error_code: 'WORKSPACE_NOT_PLACED' }]);
  }, 60_000);

  it('an agent killed mid-run: the task is taken over when it comes back, and the workspace recovers once', async () => {
    const { w, n } = await recoveringMidStop(1, 2);
    expect(await agents.get('a')!.stop('SIGKILL')).toBe(null);
    await agentUp('a');
    const body = await resultOf(n);
    expect(body).toContain('recovered');
    expect(await world.status(w.id)).toBe('online');
    const tasks = await tasksOf(w.container);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ engine: 'a', state: 'done', attempts: 2 });
    expect(await recoveredRuns(w.id)).toBe(1);
  }, 90_000);

  it('an agent sent SIGTERM mid-run finishes the task it holds, then exits 0', async () => {
    const { w, n } = await recoveringMidStop(0, 1);
    const agent = agents.get('a')!;
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    // It finished before it left: done on its first attempt, not taken over.
    expect(await tasksOf(w.container)).toEqual([expect.objectContaining({ state: 'done', attempts: 1 })]);
    expect(await resultOf(n)).toContain('recovered');
    expect(await world.status(w.id)).toBe('online');
    // The status comment followed the agent's steps while the stop took its time: posted,
    // edited as steps were stored, then the result.
    const status = [...gh.comments.values()].filter((c) => c.issue === n);
    expect(status).toHaveLength(1);
    expect(status[0]!.edits).toBeGreaterThanOrEqual(2);
    await agentUp('a');
  }, 60_000);

  it('an agent frozen mid-run past its heartbeat: another agent takes over, and the frozen one, resumed, writes and touches nothing', async () => {
    // Both agents of engine A with the default lease (15 s): the frozen one keeps its database
    // session (and its advisory lock) open, so its lease lapses only by its TTL. (The start
    // timeout is shortened only to save time: the container ignores SIGTERM.)
    const short = { MEDIC_START_TIMEOUT_S: '4' };
    // Made before the agent starts, so that its first listing places it (events come only once
    // it listens).
    const w = await world.broken({ cmd: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'] });
    // (It may have only just started, before its SIGTERM handler: its exit code says nothing here.)
    await agents.get('a')!.stop('SIGTERM');
    const frozen = startAgent('a', { ...agentEnv(ENGINE_A), ...short }, ['--no-heal']);
    agents.set('a', frozen);
    await until('the first agent registered', 30_000, async () => {
      const { rows } = await world.db.query('SELECT agent FROM medic.engines WHERE name = $1', ['a']);
      return (rows[0] as { agent: string } | undefined)?.agent.endsWith(`:${frozen.child.pid}`) ?? false;
    });
    await expect.poll(() => placement(w.container), { timeout: 15_000, interval: 50 }).toBe('a');
    const n = await recoverVia([w.container], 0, 2);
    await taskReached(world.db, w.container, 'template');
    const [first] = await tasksOf(w.container);
    expect(first).toMatchObject({ state: 'running', attempts: 1 });
    frozen.child.kill('SIGSTOP');
    const taker = startAgent('a', { ...agentEnv(ENGINE_A), ...short }, ['--no-heal']);
    agents.set('a2', taker);
    try {
      // While the frozen attempt's lease holds, the task waits for its next try, on the record.
      await expect
        .poll(async () => (await medicStatus()).retrying.find((t) => t.target === w.container), {
          timeout: 60_000,
          interval: 150,
        })
        .toMatchObject({ engine: 'a', why: expect.stringContaining('busy') });
      // The second agent takes the task over once the frozen one's heartbeat is stale, is kept
      // out by the frozen one's lease until its TTL, and then recovers the workspace.
      // Within 60 s of the freeze, with every setting at its default (docs/fleet.md).
      const body = await resultOf(n, 60_000);
      expect(body).toContain('recovered');
      expect(body).not.toMatch(/LEASE_HELD|\| busy/);
      const [task] = await tasksOf(w.container);
      expect(task).toMatchObject({ state: 'done' });
      expect(task!.attempts).toBeGreaterThanOrEqual(2);
      expect(task!.worker).toContain(`:${taker.child.pid}/`);
      expect(await world.status(w.id)).toBe('online');
      // Resumed, the frozen agent finds the task and the lease gone, and stops before its next change.
      frozen.child.kill('SIGCONT');
      await expect
        .poll(
          async () =>
            (
              await world.db.query(
                "SELECT error_code FROM medic.runs WHERE workspace_id = $1 AND outcome = 'failed'",
                [w.id],
              )
            ).rows,
          { timeout: 30_000, interval: 200 },
        )
        .toEqual([{ error_code: expect.stringMatching(/^(TASK_LOST|LEASE_LOST)$/) }]);
      expect(await recoveredRuns(w.id)).toBe(1);
      // It wrote nothing about the task: the answer and the steps are the taker's.
      const stored = (
        await world.db.query('SELECT result, steps, worker, state FROM medic.tasks WHERE target = $1', [
          w.container,
        ])
      ).rows[0] as { result: { kind: string; result: { outcome: string } }; worker: string; state: string };
      expect(stored).toMatchObject({
        state: 'done',
        result: { kind: 'result', result: { outcome: 'recovered' } },
      });
      expect(stored.worker).toContain(`:${taker.child.pid}/`);
      // And touched nothing: the frozen run has no seed, start or mark-online that went through.
      const frozenSteps = (
        await world.db.query(
          `SELECT s.name, s.status FROM medic.step_events s JOIN medic.runs r USING (run_id)
            WHERE r.workspace_id = $1 AND r.outcome = 'failed' ORDER BY s.seq`,
          [w.id],
        )
      ).rows as Array<{ name: string; status: string }>;
      expect(
        frozenSteps.filter((st) => ['seed', 'start', 'mark-online'].includes(st.name) && st.status === 'ok'),
      ).toEqual([]);
      expect(await lsOnEngine(world.docker, w.volume)).toContain('config.yaml');
      expect(frozen.output()).toContain('lost this task');
      expect(frozen.child.exitCode).toBeNull();
    } finally {
      frozen.child.kill('SIGCONT');
      agents.delete('a2');
      await Promise.all([frozen.stop('SIGTERM'), taker.stop('SIGTERM')]);
      await agentUp('a');
    }
  }, 150_000);

  it("engine B's agent gone: B's workspace fails with ENGINE_UNAVAILABLE, A's recovers; B's agent back: B's recovers", async () => {
    const a = await brokenOn('a');
    const b = await brokenOn('b');
    // SIGTERM: it finishes what it holds (nothing) and exits 0.
    expect(await agents.get('b')!.stop('SIGTERM')).toBe(0);
    const status = await medicStatus();
    expect(status.engines.find((e) => e.name === 'b')).toMatchObject({ alive: false });
    expect(status.engines.find((e) => e.name === 'a')).toMatchObject({ alive: true, queued: 0, running: 0 });
    expect(status.engines.find((e) => e.name === 'a')!.placed).toBeGreaterThanOrEqual(5);
    expect(status.failed).toContainEqual(expect.objectContaining({ container: b.container, engine: 'b' }));
    const n = await recoverVia([b.container, a.container], 2, 0);
    const body = await resultOf(n);
    expect(body).toContain('ENGINE_UNAVAILABLE');
    expect(body).toContain('engine &quot;b&quot; has no live agent');
    await expect.poll(() => world.status(a.id), { timeout: 30_000 }).toBe('online');
    expect(await world.status(b.id)).toBe('failed');
    const again = await recoverVia([b.container], 1, 2);
    await agentUp('b');
    expect(await resultOf(again)).toContain('recovered');
    expect(await world.status(b.id)).toBe('online');
    expect(await recoveredRuns(b.id)).toBe(1);
  }, 90_000);

  it("/diagnose goes to the workspace's agent too, and medic status shows the fleet", async () => {
    const w = await brokenOn('b');
    const n = issue++;
    const body = JSON.stringify(issueCommentPayload({ body: `/diagnose ${w.container}`, issue: n }));
    const res = await fetch(`http://127.0.0.1:${replicas[1]!.port}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: signedHeaders('issue_comment', randomUUID(), body, SECRET),
    });
    expect(res.status).toBeLessThan(300);
    const table = async () => [...gh.comments.values()].find((c) => c.issue === n)?.body ?? '';
    await expect.poll(table, { timeout: 30_000, interval: 100 }).toContain('needs-seed');
    expect(await table()).toContain(`/recover ${w.container}`);
    const { rows } = await world.db.query("SELECT engine, state FROM medic.tasks WHERE command = 'diagnose'");
    expect(rows).toEqual([{ engine: 'b', state: 'done' }]);
    const text = execFileSync('node', [MEDIC, 'status'], {
      env: { PATH: process.env.PATH, DATABASE_URL: world.url, LOG_LEVEL: 'warn', NO_COLOR: '1' },
    }).toString();
    expect(text).toMatch(/^engines\n {2}a +alive +heartbeat \d+s ago/);
    expect(text).toContain(`${w.container}  claude-code  on b`);
  }, 60_000);

  it('an agent keeps its placements from create, rename and destroy events', async () => {
    const w = await brokenOn('a');
    const container = world.docker.getContainer((await world.docker.getContainer(w.container).inspect()).Id);
    await container.rename({ name: `${w.container}-x` });
    await expect.poll(() => placement(w.container), { timeout: 10_000, interval: 50 }).toBe(null);
    await container.rename({ name: w.container });
    await expect.poll(() => placement(w.container), { timeout: 10_000, interval: 50 }).toBe('a');
    await container.remove({ force: true });
    await expect.poll(() => placement(w.container), { timeout: 10_000, interval: 50 }).toBe(null);
  }, 30_000);

  it('an agent heals its own engine, and only its own', async () => {
    expect(await agents.get('a')!.stop('SIGTERM')).toBe(0);
    const a = await world.broken(); // placed when the healer lists engine A
    const b = await brokenOn('b');
    // Healing on (no --no-heal), sweeping every second; B's agent still does not heal.
    const metricsPort = 20000 + Math.floor(Math.random() * 20000);
    const healer = startAgent('a', agentEnv(ENGINE_A), [
      '--interval',
      '1',
      '--metrics-port',
      String(metricsPort),
    ]);
    agents.set('a', healer);
    await expect.poll(() => world.status(a.id), { timeout: 30_000, interval: 100 }).toBe('online');
    // The row is online at the run's mark-online step; the run is counted as it ends, just after.
    const metrics = () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    await expect
      .poll(metrics, { timeout: 5_000, interval: 50 })
      .toMatch(/medic_recoveries_total\{outcome="recovered",source="auto",code=""\} 1/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    const { rows } = await world.db.query('SELECT source, outcome FROM medic.runs WHERE workspace_id = $1', [
      a.id,
    ]);
    expect(rows).toEqual([{ source: 'auto', outcome: 'recovered' }]);
    // Two more sweeps after A's recovery (its metric, not a sleep), each begun with B's row
    // `failed`: had the healer taken B's workspace, its run would be stored by now.
    const sweptAt = async () =>
      Number(
        /^medic_last_sweep_timestamp_seconds (\S+)$/m.exec(
          await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const after = Date.now() / 1000;
    await until('two sweeps after the recovery', 15_000, async () => (await sweptAt()) > after + 1);
    expect(await world.status(b.id)).toBe('failed');
    const none = await world.db.query('SELECT 1 FROM medic.runs WHERE workspace_id = $1', [b.id]);
    expect(none.rows).toHaveLength(0);
  }, 60_000);
});

async function medicStatus(): Promise<FleetStatus> {
  const out = execFileSync('node', [MEDIC, 'status', '--json'], {
    env: { PATH: process.env.PATH, DATABASE_URL: world.url, LOG_LEVEL: 'warn' },
  });
  return JSON.parse(out.toString()) as FleetStatus;
}
