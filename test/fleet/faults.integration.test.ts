// Faults injected into a running fleet, each ending with a check of the whole history: every
// run, every step, every comment, the workspace's files and row. The fleet here is one app
// replica (MEDIC_EXECUTOR=agents) and an agent per engine, on a Postgres cluster of this
// file's own (so restarting it disturbs no other test) and the two engines of `npm test`.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokenWorkspace,
  createBrokenWorkspace,
  removeFixtures,
} from '../../src/demo/broken-workspace.js';
import { ensureLocalImage } from '../../src/docker/local-image.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import {
  agentUp,
  deliverRecover,
  lsOn,
  placementOf,
  recoveredRuns,
  resultOf,
  taskReached,
  tasksOf,
  until,
} from '../helpers/fleet-rig.js';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { type OwnPostgres, ownPostgres } from '../helpers/own-postgres.js';
import { type Proc, type Replica, ready, startLocalApp, startReplica } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { stopBegun } from '../helpers/stop-begun.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { issueCommentPayload } from '../helpers/webhooks.js';

const SECRET = 'faults-secret';
const ENGINE_A = 'unix:///var/run/docker.sock';
const ENGINE_B = process.env.MEDIC_TEST_DOCKER_B ?? 'unix:///run/medic-b/docker.sock';

let pg: OwnPostgres;
let world: TestWorld;
let gh: StandIn;
let replica: Replica;
const agents = new Map<string, Proc>();
let issue = 7000;

/** A container that ignores SIGTERM: its stop takes the agent's whole stop timeout (3 s). */
const SLOW_STOP = ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'];

beforeAll(async () => {
  pg = await ownPostgres();
  world = await testWorld({ serverUrl: pg.url });
  await applyTestPolicy(world.db);
  gh = await githubStandIn({ alice: 'admin' });
  agents.set('a', await agentUp(world.db, 'a', { DATABASE_URL: world.url, DOCKER_HOST: ENGINE_A }));
  replica = startReplica({
    DATABASE_URL: world.url,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(gh.url).host,
    MEDIC_AGENT_WAIT_S: '90', // the network test's agent is out of reach for 30 s
    MEDIC_POLL_MS: '500',
  });
  await ready(`http://127.0.0.1:${replica.port}/healthz`, replica);
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [engine, agent] of agents) console.error(`--- agent ${engine}\n${agent.output()}`);
  console.error(`--- replica\n${replica.output()}`);
});

afterAll(async () => {
  // Killed: a process of a failed fault test may be waiting out the database it lost.
  await Promise.all([...agents.values(), replica].filter(Boolean).map((p) => p.stop('SIGKILL')));
  await gh?.close();
  await world?.close().catch(() => undefined);
  await pg?.destroy();
}, 60_000);

/** A broken workspace on engine A, placed by its agent. */
async function brokenOnA(options: Parameters<TestWorld['broken']>[0] = {}): Promise<BrokenWorkspace> {
  const w = await world.broken(options);
  await expect.poll(() => placementOf(world.db, w.container), { timeout: 15_000, interval: 50 }).toBe('a');
  return w;
}

/**
 * The whole history of one workspace after a fault: it is online with its template; one run
 * recovered it; every other run ended (none left running) and changed nothing after the
 * fault; no lease is left; its task and the comment's job are done; the issue has one status
 * comment, carrying that one result.
 */
async function historyHolds(
  w: BrokenWorkspace,
  n: number,
  docker: Docker,
  image: string,
  shown: RegExp = /recovered/,
): Promise<Array<{ state: string; outcome: string | null; error_code: string | null }>> {
  expect(await world.status(w.id)).toBe('online');
  expect(await lsOn(docker, image, w.volume)).toEqual(
    expect.arrayContaining(['config.yaml', '.provisioned']),
  );
  expect(await recoveredRuns(world.db, w.id)).toBe(1);
  const runs = (
    await world.db.query('SELECT state, outcome, error_code FROM medic.runs WHERE workspace_id = $1', [w.id])
  ).rows as Array<{ state: string; outcome: string | null; error_code: string | null }>;
  expect(runs.filter((r) => r.state === 'running')).toEqual([]);
  for (const r of runs.filter((r) => r.outcome !== 'recovered'))
    expect(
      r.state === 'abandoned' || r.error_code === 'LEASE_LOST' || r.error_code === 'DOCKER_UNAVAILABLE',
    ).toBe(true);
  const leases = await world.db.query('SELECT 1 FROM medic.leases WHERE workspace_id = $1', [w.id]);
  expect(leases.rows).toEqual([]);
  const tasks = await tasksOf(world.db, w.container);
  expect(tasks.map((t) => t.state)).toEqual(['done']);
  // The comment's job ends just after its result is posted.
  const jobOf = async () =>
    (
      await world.db.query(
        "SELECT state FROM medic.jobs WHERE kind = 'comment' AND (payload->'event'->'issue'->>'number')::int = $1",
        [n],
      )
    ).rows;
  await expect.poll(jobOf, { timeout: 10_000, interval: 100 }).toEqual([{ state: 'done' }]);
  const comments = [...gh.comments.values()].filter((c) => c.issue === n);
  expect(comments).toHaveLength(1);
  expect(comments[0]!.body).toMatch(shown);
  expect(comments[0]!.body.match(/medic:result/g)).toHaveLength(1);
  return runs;
}

describe('Postgres restarted under a recovery (pg_ctl restart -m fast)', () => {
  it('between stop and seed: the run stops LEASE_LOST, the task is tried again, the workspace recovers once', async () => {
    const w = await brokenOnA({ cmd: SLOW_STOP });
    const n = issue++;
    const since = Math.floor(Date.now() / 1000);
    await deliverRecover([replica], SECRET, { targets: [w.container], issue: n, first: 0 });
    await taskReached(world.db, w.container, 'template');
    await stopBegun(world.docker, w.container, since);
    await pg.restart(); // the stop is still under way (3 s)
    expect(await resultOf(gh, n, 90_000)).toContain('recovered');
    const runs = await historyHolds(w, n, world.docker, world.image);
    expect(runs).toContainEqual(expect.objectContaining({ outcome: 'failed', error_code: 'LEASE_LOST' }));
    // The first run stopped the container and went no further: its lease session had gone.
    const first = (
      await world.db.query(
        `SELECT array_agg(s.name || ':' || s.status ORDER BY s.seq) AS steps, r.error_code
           FROM medic.runs r JOIN medic.step_events s USING (run_id)
          WHERE r.workspace_id = $1 AND r.outcome IS DISTINCT FROM 'recovered' GROUP BY r.run_id, r.error_code`,
        [w.id],
      )
    ).rows as Array<{ steps: string[]; error_code: string | null }>;
    for (const r of first) expect(r.steps.filter((s) => /^(seed|start|mark-online):ok$/.test(s))).toEqual([]);
  }, 150_000);

  it('between start and mark-online: the run stops LEASE_LOST, the next attempt only marks it online', async () => {
    // Healthy 4 s after it starts: the run waits for that, with its lease session gone meanwhile.
    const w = await brokenOnA({
      cmd: ['sh', '-c', 'rm -f /ok; sleep 4; touch /ok; while true; do sleep 1; done'],
      healthcheck: { Test: ['CMD', 'test', '-f', '/ok'], Interval: 500_000_000, Retries: 100 },
    });
    const n = issue++;
    await deliverRecover([replica], SECRET, { targets: [w.container], issue: n, first: 0 });
    await taskReached(world.db, w.container, 'start');
    await pg.restart();
    expect(await resultOf(gh, n, 90_000)).toContain('recovered');
    const runs = await historyHolds(w, n, world.docker, world.image);
    expect(runs).toContainEqual(expect.objectContaining({ outcome: 'failed', error_code: 'LEASE_LOST' }));
    const recovered = (
      await world.db.query(
        `SELECT array_agg(s.name ORDER BY s.seq) AS steps FROM medic.runs r JOIN medic.step_events s USING (run_id)
          WHERE r.workspace_id = $1 AND r.outcome = 'recovered' GROUP BY r.run_id`,
        [w.id],
      )
    ).rows as Array<{ steps: string[] }>;
    // Not seeded twice: the retry found it running with its config, and only set the row.
    expect(recovered[0]!.steps).not.toContain('seed');
    expect(recovered[0]!.steps).toContain('mark-online');
  }, 150_000);
});

describe('a task retried, then its agent killed (SIGKILL)', () => {
  it('the retry used an attempt, not the reclaim: the next agent takes the task over and recovers it', async () => {
    // Stops slowly (TERM ignored), and once started is healthy only after 4 s: the retry's
    // `wait` step is the moment its agent dies.
    const w = await brokenOnA({
      cmd: ['sh', '-c', 'trap "" TERM; rm -f /ok; sleep 4; touch /ok; while true; do sleep 1; done'],
      healthcheck: { Test: ['CMD', 'test', '-f', '/ok'], Interval: 500_000_000, Retries: 100 },
    });
    const n = issue++;
    const since = Math.floor(Date.now() / 1000);
    await deliverRecover([replica], SECRET, { targets: [w.container], issue: n, first: 0 });
    await taskReached(world.db, w.container, 'template');
    await stopBegun(world.docker, w.container, since);
    await pg.restart(); // attempt 1 ends LEASE_LOST after its stop: the task is retried
    await until('the retry past its start step', 60_000, async () => {
      const { rows } = await world.db.query(
        `SELECT 1 FROM medic.tasks WHERE target = $1 AND state = 'running' AND attempts = 2
            AND steps @> '[{"name":"start"}]'::jsonb`,
        [w.container],
      );
      return rows.length === 1;
    });
    expect(await agents.get('a')!.stop('SIGKILL')).toBe(null);
    agents.set('a', await agentUp(world.db, 'a', { DATABASE_URL: world.url, DOCKER_HOST: ENGINE_A }));
    expect(await resultOf(gh, n, 120_000)).toContain('recovered');
    await historyHolds(w, n, world.docker, world.image);
    // Before [defaults] the retry had spent the one reclaim (attempts < 2): the task was given up.
    expect(await tasksOf(world.db, w.container)).toEqual([
      expect.objectContaining({ state: 'done', attempts: 3 }),
    ]);
    const { rows } = await world.db.query('SELECT reclaims FROM medic.tasks WHERE target = $1', [
      w.container,
    ]);
    expect(rows).toEqual([{ reclaims: 1 }]);
  }, 180_000);
});

describe('Postgres restarted under the app on one host (MEDIC_EXECUTOR=local)', () => {
  it('the run stops LEASE_LOST, the app runs it again, and the user is shown one result: recovered', async () => {
    // A database of its own: the fleet's replica would otherwise claim this app's jobs.
    const single = await testWorld({ serverUrl: pg.url });
    await applyTestPolicy(single.db);
    const app = await startLocalApp({ databaseUrl: single.url, githubUrl: gh.url, secret: SECRET });
    try {
      const w = await single.broken({ cmd: SLOW_STOP });
      const n = issue++;
      expect(
        await app.deliver(issueCommentPayload({ body: `/recover ${w.container}`, issue: n })),
      ).toBeLessThan(300);
      await until('the run stopping its container', 20_000, async () => {
        const { rows } = await single.db.query(
          `SELECT 1 FROM medic.runs r JOIN medic.step_events s USING (run_id)
            WHERE r.workspace_id = $1 AND r.state = 'running' AND s.name = 'template'`,
          [w.id],
        );
        return rows.length === 1;
      });
      await pg.restart();
      expect(await resultOf(gh, n, 90_000)).toContain('recovered');
      expect(await single.status(w.id)).toBe('online');
      expect(await single.ls(w.volume)).toEqual(expect.arrayContaining(['config.yaml', '.provisioned']));
      const runs = (
        await single.db.query('SELECT state, outcome, error_code FROM medic.runs WHERE workspace_id = $1', [
          w.id,
        ])
      ).rows as Array<{ state: string; outcome: string | null; error_code: string | null }>;
      expect(runs.filter((r) => r.state === 'running')).toEqual([]);
      expect(runs).toContainEqual(expect.objectContaining({ outcome: 'failed', error_code: 'LEASE_LOST' }));
      expect(runs.filter((r) => r.outcome === 'recovered')).toHaveLength(1);
      expect(
        (await single.db.query('SELECT 1 FROM medic.leases WHERE workspace_id = $1', [w.id])).rows,
      ).toEqual([]);
      const comments = [...gh.comments.values()].filter((c) => c.issue === n);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body.match(/medic:result/g)).toHaveLength(1);
    } catch (error) {
      console.error(`--- local app\n${app.output()}`);
      throw error;
    } finally {
      await app.stop('SIGKILL');
      await single.close().catch(() => undefined);
    }
  }, 150_000);
});

describe('the Docker engine restarted under a recovery', () => {
  it('the run fails cleanly, the agent resubscribes, and its healing brings the workspace back', async () => {
    const dockerB = new Docker({ socketPath: new URL(ENGINE_B).pathname });
    const imageB = await ensureLocalImage(dockerB);
    // Its row still says online (the platform has not noticed yet), and it is made before B's
    // agent starts: the healer (which acts on failed rows and on start/die events) does not
    // get there before the command.
    const w = await createBrokenWorkspace(dockerB, world.db, {
      image: imageB,
      status: 'online',
      cmd: SLOW_STOP,
      labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
    });
    // B's agent heals its engine (sweeping every second), as a fleet's agents do.
    agents.set(
      'b',
      await agentUp(world.db, 'b', { DATABASE_URL: world.url, DOCKER_HOST: ENGINE_B }, ['--interval', '1']),
    );
    try {
      const n = issue++;
      await expect
        .poll(() => placementOf(world.db, w.container), { timeout: 15_000, interval: 50 })
        .toBe('b');
      await deliverRecover([replica], SECRET, { targets: [w.container], issue: n, first: 0 });
      await taskReached(world.db, w.container, 'template');
      await restartEngineB(); // its containers stop with it
      const body = await resultOf(gh, n, 90_000);
      // Whatever the run got to, the comment says what happened: recovered, or a clean failure.
      expect(body).toMatch(/recovered|failed `(DOCKER|CONTAINER)_[A-Z_]+`/);
      // The agent is back on its engine's events, and its sweep heals the workspace.
      await expect.poll(() => world.status(w.id), { timeout: 60_000, interval: 200 }).toBe('online');
      expect(await lsOn(dockerB, imageB, w.volume)).toEqual(expect.arrayContaining(['config.yaml']));
      const runs = (
        await world.db.query('SELECT state, outcome, error_code FROM medic.runs WHERE workspace_id = $1', [
          w.id,
        ])
      ).rows as Array<{ state: string; outcome: string | null }>;
      expect(runs.filter((r) => r.state === 'running')).toEqual([]);
      expect(runs.filter((r) => r.outcome === 'recovered').length).toBeGreaterThanOrEqual(1);
      expect(
        (await world.db.query('SELECT 1 FROM medic.leases WHERE workspace_id = $1', [w.id])).rows,
      ).toEqual([]);
      expect((await tasksOf(world.db, w.container)).map((t) => t.state)).toEqual(['done']);
      expect([...gh.comments.values()].filter((c) => c.issue === n)).toHaveLength(1);
      // Events again: a container made now is placed from its create event.
      const later = await createBrokenWorkspace(dockerB, world.db, {
        image: imageB,
        labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
      });
      await expect
        .poll(() => placementOf(world.db, later.container), { timeout: 15_000, interval: 50 })
        .toBe('b');
    } catch (error) {
      console.error(`--- agent b\n${agents.get('b')?.output()}`);
      console.error(JSON.stringify((await world.db.query('SELECT * FROM medic.tasks')).rows));
      console.error(JSON.stringify([...gh.comments.values()]));
      throw error;
    } finally {
      await agents.get('b')?.stop();
      agents.delete('b');
      await removeFixtures(dockerB, world.label);
    }
  }, 180_000);
});

describe('the network between an agent and Postgres cut for 30 s', () => {
  it('claims nothing meanwhile, its run stops LEASE_LOST, and it serves again when the network returns', async () => {
    const proxy = await tcpProxy({ host: '127.0.0.1', port: pg.port });
    const through = new URL(world.url);
    through.port = String(proxy.port);
    // The only agent of engine A now talks to Postgres through the proxy.
    await agents.get('a')!.stop();
    agents.set(
      'a',
      await agentUp(world.db, 'a', { DATABASE_URL: through.toString(), DOCKER_HOST: ENGINE_A }),
    );
    try {
      const w = await brokenOnA({ cmd: SLOW_STOP });
      const other = await brokenOnA();
      const n = issue++;
      const since = Math.floor(Date.now() / 1000);
      await deliverRecover([replica], SECRET, { targets: [w.container], issue: n, first: 0 });
      await taskReached(world.db, w.container, 'template');
      await stopBegun(world.docker, w.container, since);
      proxy.cut();
      const m = issue++;
      await deliverRecover([replica], SECRET, { targets: [other.container], issue: m, first: 0 });
      await new Promise((r) => setTimeout(r, 30_000));
      // Nothing was claimed while it could not reach Postgres; the stopped container was not started.
      expect(await tasksOf(world.db, other.container)).toEqual([
        expect.objectContaining({ state: 'pending', attempts: 0 }),
      ]);
      expect((await world.docker.getContainer(w.container).inspect()).State.Running).toBe(false);
      proxy.heal();
      expect(await resultOf(gh, n, 120_000)).toContain('recovered');
      expect(await resultOf(gh, m, 60_000)).toContain('recovered');
      const runs = await historyHolds(w, n, world.docker, world.image);
      // The run cut off stopped before its next change, and said so once it could.
      expect(runs).toContainEqual(expect.objectContaining({ outcome: 'failed', error_code: 'LEASE_LOST' }));
      await historyHolds(other, m, world.docker, world.image);
    } finally {
      await proxy.close();
    }
  }, 240_000);
});

async function restartEngineB(): Promise<void> {
  const pid = Number((await readFile('/run/medic-b/docker.pid', 'utf8')).trim());
  process.kill(pid, 'SIGTERM');
  await until('engine B stopped', 60_000, async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  await promisify(execFile)('bash', [path.resolve(import.meta.dirname, '../../scripts/second-engine.sh')]);
}
