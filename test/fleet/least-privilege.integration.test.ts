// Least privilege, as docs/security.md sets it up: deploy/roles.sql run by the schema's owner,
// an app replica logged in as a member of medic_app, an agent as a member of medic_agent
// given engine "a". The fleet recovers a workspace as usual; the agent's role cannot change
// the policy, nor see or change another engine's placements or tasks, nor serve an engine
// it was not given. On a Postgres cluster of this file's own (roles are cluster-wide).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asRole as asRoleOn, codeOf, urlAs } from '../helpers/as-role.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { agentUp, deliverRecover, placementOf, recoveredRuns, resultOf } from '../helpers/fleet-rig.js';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { type OwnPostgres, ownPostgres } from '../helpers/own-postgres.js';
import { type Proc, type Replica, ready, startAgent, startReplica } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const SECRET = 'roles-secret';
const ENGINE_A = 'unix:///var/run/docker.sock';
const ROLES_SQL = path.resolve(import.meta.dirname, '../../deploy/roles.sql');

let cluster: OwnPostgres;
let world: TestWorld;
let gh: StandIn;
let replica: Replica;
let agent: Proc;
/** The test database's URL as another login role. */
const as = (role: string) => urlAs(world.url, role);
const asRole = <T>(role: string, fn: (c: pg.Client) => Promise<T>) => asRoleOn(world.url, role, fn);

beforeAll(async () => {
  cluster = await ownPostgres();
  world = await testWorld({ serverUrl: cluster.url }); // migrated by the owner (the cluster's superuser)
  await world.db.query(await readFile(ROLES_SQL, 'utf8'));
  await world.db.query(`CREATE ROLE app_1 LOGIN IN ROLE medic_app;
                        CREATE ROLE agent_a LOGIN IN ROLE medic_agent;
                        INSERT INTO medic.engine_roles (engine, role) VALUES ('a', 'agent_a');`);
  await applyTestPolicy(world.db);
  // Another engine's rows, as its own agent would have written them.
  await world.db.query(`INSERT INTO medic.placements (container, engine, container_id) VALUES ('ws-bbbbbbbbbbbb', 'b', 'x');
                        INSERT INTO medic.tasks (key, engine, command, target, options) VALUES ('k-b', 'b', 'recover', 'ws-bbbbbbbbbbbb', '{}')`);
  gh = await githubStandIn({ alice: 'admin' });
  agent = await agentUp(world.db, 'a', { DATABASE_URL: as('agent_a'), DOCKER_HOST: ENGINE_A });
  replica = startReplica({
    DATABASE_URL: as('app_1'),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(gh.url).host,
    MEDIC_POLL_MS: '500',
  });
  await ready(`http://127.0.0.1:${replica.port}/healthz`, replica);
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`--- agent\n${agent?.output()}\n--- replica\n${replica?.output()}`);
});

afterAll(async () => {
  await Promise.all([agent, replica].filter(Boolean).map((p) => p.stop('SIGKILL')));
  await gh?.close();
  await world?.close().catch(() => undefined);
  await cluster?.destroy();
}, 60_000);

describe('the three roles of deploy/roles.sql', () => {
  it('an app replica as medic_app and an agent as medic_agent recover a workspace', async () => {
    const w = await world.broken();
    await expect.poll(() => placementOf(world.db, w.container), { timeout: 15_000, interval: 50 }).toBe('a');
    await deliverRecover([replica], SECRET, { targets: [w.container], issue: 1, first: 0 });
    expect(await resultOf(gh, 1)).toContain('recovered');
    expect(await world.status(w.id)).toBe('online');
    expect(await recoveredRuns(world.db, w.id)).toBe(1);
    expect(agent.output()).not.toMatch(/permission denied|row-level security/);
  }, 60_000);

  it('the agent role cannot change the policy, nor another engine placements or tasks', async () => {
    await asRole('agent_a', async (c) => {
      expect(await codeOf(c.query('UPDATE medic.policies SET applied_by = $1', ['mallory']))).toBe('42501');
      expect(
        await codeOf(
          c.query("INSERT INTO medic.policies (version, document, applied_by) VALUES (99, '{}', 'x')"),
        ),
      ).toBe('42501');
      expect(await codeOf(c.query("INSERT INTO medic.engine_roles VALUES ('b', 'agent_a')"))).toBe('42501');
      // B's rows are not there for it: not read, not moved, not deleted.
      expect((await c.query("SELECT 1 FROM medic.placements WHERE engine = 'b'")).rows).toEqual([]);
      expect((await c.query("UPDATE medic.placements SET engine = 'a' WHERE engine = 'b'")).rowCount).toBe(0);
      expect((await c.query("DELETE FROM medic.tasks WHERE engine = 'b'")).rowCount).toBe(0);
      // Nor written in B's name.
      expect(
        await codeOf(
          c.query(
            "INSERT INTO medic.placements (container, engine, container_id) VALUES ('ws-cccccccccccc', 'b', 'y')",
          ),
        ),
      ).toBe('42501');
      expect(await codeOf(c.query('DELETE FROM medic.jobs'))).toBe('42501');
    });
    expect(await placementOf(world.db, 'ws-bbbbbbbbbbbb')).toBe('b');
    const { rows } = await world.db.query("SELECT state FROM medic.tasks WHERE key = 'k-b'");
    expect(rows).toEqual([{ state: 'pending' }]);
    // The app's role cannot change the policy either.
    await asRole('app_1', async (c) => {
      expect(await codeOf(c.query('DELETE FROM medic.policies'))).toBe('42501');
    });
  });

  it("[contain] a task the app's role wrote without its grant is refused by the agent, and changes nothing", async () => {
    const w = await world.broken({ status: 'online', stray: { 'config.yaml': 'mine\n' } });
    await expect.poll(() => placementOf(world.db, w.container), { timeout: 15_000, interval: 50 }).toBe('a');
    // As an app replica would write it if it were compromised: no grant, no client, --force.
    await asRole('app_1', (c) =>
      c.query(
        "INSERT INTO medic.tasks (key, engine, command, target, options) VALUES ('forged', 'a', 'recover', $1, $2::jsonb)",
        [w.container, JSON.stringify({ actor: 'mallory', source: 'cli', force: true })],
      ),
    );
    await expect
      .poll(
        async () =>
          (await world.db.query("SELECT state, result FROM medic.tasks WHERE key = 'forged'")).rows[0],
        { timeout: 20_000, interval: 100 },
      )
      .toMatchObject({
        state: 'done',
        result: { kind: 'result', result: { outcome: 'refused', error: { code: 'PERMISSION_DENIED' } } },
      });
    expect(await world.cat(w.volume, 'config.yaml')).toBe('mine\n');
  }, 60_000);

  it('an agent started for an engine its role was not given exits naming the fix', async () => {
    const wrong = startAgent('b', { DATABASE_URL: as('agent_a'), DOCKER_HOST: ENGINE_A });
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.output()).toContain('the database role agent_a may not serve engine "b"');
    expect(wrong.output()).toContain("INSERT INTO medic.engine_roles (engine, role) VALUES ('b', 'agent_a')");
  }, 30_000);
});
