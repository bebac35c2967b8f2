// [contain]: what a compromised agent's role can do with any session-level trick, and what the
// database's owner can do to the trail without `medic audit verify` naming the run. Each attack
// is the one an outside review ran against the code before this (docs/security.md's threat
// table names these tests). On a Postgres cluster of this file's own (roles are cluster-wide),
// with the roles of deploy/roles.sql.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrail } from '../../src/core/index.js';
import { listCopies, storeCopy } from '../../src/core/store/keep-store.js';
import { asRole as asRoleOn, codeOf } from '../helpers/as-role.js';
import { type OwnPostgres, ownPostgres } from '../helpers/own-postgres.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const ROLES_SQL = path.resolve(import.meta.dirname, '../../deploy/roles.sql');
const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The CLI as an operator runs it, on this file's database. */
async function medic(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: world.url, NO_COLOR: '1' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

let cluster: OwnPostgres;
let world: TestWorld;

const asRole = <T>(role: string, fn: (c: pg.Client) => Promise<T>) => asRoleOn(world.url, role, fn);
/** The owner's hand, as psql gives it: no medic session, so nothing it writes is sealed. */
const byHand = <T>(fn: (c: pg.Client) => Promise<T>) => asRole('medic', fn);

/** A workspace placed on `engine`, with one ended run (and a snapshot), written by medic. */
async function placedWithRun(engine: string, actor = 'alice') {
  const id = randomUUID();
  const runId = randomUUID();
  const container = `ws-${id.slice(0, 12)}`;
  await world.db.query('INSERT INTO medic.placements (container, engine, container_id) VALUES ($1, $2, $3)', [
    container,
    engine,
    `cid-${engine}`,
  ]);
  await world.db.query(
    `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, started_at)
     VALUES ($1, $2, 'recover', 'chatops', $3, 'running', now())`,
    [runId, id, actor],
  );
  const tar = Buffer.from(`tar of ${container}`);
  const digest = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  await world.db.query(
    'INSERT INTO medic.snapshots (run_id, workspace_id, digest, bytes, tar) VALUES ($1, $2, $3, $4, $5)',
    [runId, id, digest, tar.length, tar],
  );
  await world.db.query(
    `WITH s AS (INSERT INTO medic.step_events (run_id, seq, name, status, ms, detail) VALUES ($1, 1, 'stop', 'ok', 5, 'stopped'))
     UPDATE medic.runs SET state = 'finished', outcome = 'recovered', finished_at = now(),
            result = jsonb_build_object('snapshot', jsonb_build_object('digest', $2::text, 'bytes', 1))
      WHERE run_id = $1`,
    [runId, digest],
  );
  await world.db.query(
    'INSERT INTO medic.leases (workspace_id, run_id, holder, acquired_at, expires_at) VALUES ($1, $2, $3, now(), now())',
    [id, runId, `${engine}:1`],
  );
  await world.db.query(
    "INSERT INTO medic.tasks (key, engine, command, target, options) VALUES ($1, $2, 'recover', $3, '{}')",
    [`k-${runId}`, engine, container],
  );
  return { id, runId, container };
}

let mine: Awaited<ReturnType<typeof placedWithRun>>;
let theirs: Awaited<ReturnType<typeof placedWithRun>>;

beforeAll(async () => {
  cluster = await ownPostgres();
  world = await testWorld({ serverUrl: cluster.url }); // migrated by the owner (the cluster's superuser)
  await world.db.query(await readFile(ROLES_SQL, 'utf8'));
  await world.db.query(`CREATE ROLE agent_h1 LOGIN IN ROLE medic_agent;
                        CREATE ROLE agent_h1_temp LOGIN IN ROLE medic_agent;
                        CREATE ROLE app_1 LOGIN IN ROLE medic_app;
                        CREATE ROLE operator_1 LOGIN IN ROLE medic_operator;
                        INSERT INTO medic.engine_roles (engine, role) VALUES ('h1', 'agent_h1'), ('h1b', 'agent_h1_temp');`);
  // A role that was given TEMPORARY by mistake: the functions' pinned search_path must hold alone.
  await world.db.query(
    `GRANT TEMPORARY ON DATABASE ${new URL(world.url).pathname.slice(1)} TO agent_h1_temp`,
  );
  mine = await placedWithRun('h1');
  theirs = await placedWithRun('h2');
  await world.db.query(
    `INSERT INTO medic.outbox (delivery_id, sink, sink_kind, url_env, event, payload) VALUES ($1, 1, 'slack', 'SLACK_URL', 'run.finished', '{}')`,
    [randomUUID()],
  );
}, 120_000);

afterAll(async () => {
  await world?.close().catch(() => undefined);
  await cluster?.destroy();
}, 60_000);

describe("an agent's role reaches its own engine's rows only", () => {
  it('cannot make a temporary table (deploy/roles.sql revokes TEMPORARY)', async () => {
    await asRole('agent_h1', async (c) => {
      expect(await codeOf(c.query('CREATE TEMP TABLE pg_roles (rolname name)'))).toBe('42501');
    });
  });

  it('a temporary pg_roles and its own search_path do not lift row-level security', async () => {
    await asRole('agent_h1_temp', async (c) => {
      await c.query('CREATE TEMP TABLE pg_roles (rolname name)');
      await c.query('CREATE TEMP TABLE engine_roles (engine text, role name)');
      await c.query("INSERT INTO pg_temp.engine_roles VALUES ('h2', 'agent_h1_temp')");
      await c.query('SET search_path = pg_temp, medic, pg_catalog');
      expect((await c.query("SELECT 1 FROM medic.tasks WHERE engine = 'h2'")).rows).toEqual([]);
      expect((await c.query('SELECT 1 FROM medic.runs WHERE run_id = $1', [theirs.runId])).rows).toEqual([]);
      expect((await c.query("UPDATE medic.placements SET engine = 'h1b' WHERE engine = 'h2'")).rowCount).toBe(
        0,
      );
      expect(
        await codeOf(
          c.query(
            "INSERT INTO medic.tasks (key, engine, command, target, options) VALUES ('evil', 'h2', 'rollback', $1, '{}')",
            [theirs.container],
          ),
        ),
      ).toBe('42501');
    });
    const { rows } = await world.db.query('SELECT engine FROM medic.placements WHERE container = $1', [
      theirs.container,
    ]);
    expect(rows).toEqual([{ engine: 'h2' }]);
  });

  it("sees and changes no row of another engine's runs, steps, snapshots, leases or outbox", async () => {
    await asRole('agent_h1', async (c) => {
      for (const table of ['runs', 'step_events', 'snapshots', 'leases']) {
        expect(
          (await c.query(`SELECT 1 FROM medic.${table} WHERE run_id = $1`, [theirs.runId])).rows,
        ).toEqual([]);
        // Its own are there: the policy scopes, it does not blind.
        expect(
          (await c.query(`SELECT 1 FROM medic.${table} WHERE run_id = $1`, [mine.runId])).rows.length,
        ).toBeGreaterThan(0);
      }
      expect((await c.query('SELECT 1 FROM medic.outbox')).rows).toEqual([]);
      expect((await c.query("UPDATE medic.outbox SET state = 'delivered'")).rowCount).toBe(0);
      expect(
        (await c.query('UPDATE medic.leases SET holder = $2 WHERE run_id = $1', [theirs.runId, 'mallory']))
          .rowCount,
      ).toBe(0);
      // Written in another engine's name: refused.
      expect(
        await codeOf(
          c.query(
            `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, started_at)
             VALUES ($1, $2, 'rollback', 'cli', 'alice', 'running', now())`,
            [randomUUID(), theirs.id],
          ),
        ),
      ).toBe('42501');
      expect(
        await codeOf(
          c.query(
            "INSERT INTO medic.step_events (run_id, seq, name, status, ms, detail) VALUES ($1, 9, 'x', 'ok', 0, '')",
            [theirs.runId],
          ),
        ),
      ).toBe('42501');
    });
  });

  it('deletes no run or snapshot, changes no snapshot, and changes no run that ended, its own included', async () => {
    await asRole('agent_h1', async (c) => {
      expect(await codeOf(c.query("DELETE FROM medic.runs WHERE actor = 'alice'"))).toBe('42501');
      expect(await codeOf(c.query('DELETE FROM medic.snapshots'))).toBe('42501');
      expect(await codeOf(c.query("UPDATE medic.snapshots SET tar = 'x', digest = 'y'"))).toBe('42501');
      expect(
        await codeOf(c.query("UPDATE medic.runs SET actor = 'mallory' WHERE run_id = $1", [mine.runId])),
      ).toBe('42501');
      expect(
        await codeOf(
          c.query(
            "INSERT INTO medic.step_events (run_id, seq, name, status, ms, detail) VALUES ($1, 9, 'x', 'ok', 0, '')",
            [mine.runId],
          ),
        ),
      ).toBe('42501');
      expect(await codeOf(c.query('SELECT medic.seal($1)', [mine.runId]))).toBe('42501');
    });
    // The app's role deletes no run either; only the operator prunes.
    await asRole('app_1', async (c) => {
      expect(await codeOf(c.query('DELETE FROM medic.runs WHERE run_id = $1', [mine.runId]))).toBe('42501');
      expect(await codeOf(c.query('UPDATE medic.seals SET chain = $1', ['x']))).toBe('42501');
    });
    const { rows } = await world.db.query('SELECT actor FROM medic.runs WHERE run_id = $1', [mine.runId]);
    expect(rows).toEqual([{ actor: 'alice' }]);
  });

  it("[keep] keeps and reads its own workspaces' last good copies, not another engine's, nor their contents", async () => {
    const file = (text: string) => [{ path: 'config.yaml', content: Buffer.from(text), mode: 0o644 }];
    const at = new Date();
    await storeCopy(world.db, theirs.id, file('secret: theirs\n'), {
      takenBy: 'agent_h2',
      at,
      keep: 5,
      keys: null,
    });
    await asRole('agent_h1', async (c) => {
      const kept = await storeCopy(c, mine.id, file('model: mine\n'), {
        takenBy: 'agent_h1',
        at,
        keep: 5,
        keys: null,
      });
      expect(kept.stored).toBe(true);
      expect((await listCopies(c, mine.id)).map((k) => k.takenBy)).toEqual(['agent_h1']);
      expect(await listCopies(c, theirs.id)).toEqual([]);
      const blobs = await c.query('SELECT convert_from(content, $1) AS text FROM medic.keep_blobs', ['UTF8']);
      expect(blobs.rows).toEqual([{ text: 'model: mine\n' }]);
      expect(
        await codeOf(
          storeCopy(c, theirs.id, file('x: 1\n'), { takenBy: 'agent_h1', at, keep: 5, keys: null }),
        ),
      ).toBe('42501');
      expect(
        (await c.query('DELETE FROM medic.keep_copies WHERE workspace_id = $1', [theirs.id])).rowCount,
      ).toBe(0);
      // No bytes under a digest that is not theirs: a later copy naming it would restore them.
      const forged = [
        { digest: `sha256:${sha256('model: mine\n')}`, b64: Buffer.from('evil').toString('base64') },
      ];
      expect(await codeOf(c.query('SELECT medic.keep_blobs_add($1::jsonb)', [JSON.stringify(forged)]))).toBe(
        '22023',
      );
      expect(
        await codeOf(
          c.query("INSERT INTO medic.keep_blobs (digest, size, content) VALUES ('sha256:x', 1, 'x')"),
        ),
      ).toBe('42501');
    });
  });

  it('a task is stamped with the role that wrote it, whatever the writer says', async () => {
    await asRole('app_1', async (c) => {
      await c.query(
        "INSERT INTO medic.tasks (key, engine, command, target, options, created_by) VALUES ('stamped', 'h1', 'recover', $1, '{}', 'operator_1')",
        [mine.container],
      );
    });
    const { rows } = await world.db.query("SELECT created_by FROM medic.tasks WHERE key = 'stamped'");
    expect(rows).toEqual([{ created_by: 'app_1' }]);
  });
});

describe('the trail shows tampering (medic audit verify)', () => {
  const verify = () => verifyTrail(world.deps());

  it('passes on an untouched trail; the export proves itself to anyone with sha256', async () => {
    const report = await verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.sealed).toBeGreaterThanOrEqual(2);
    const cli = await medic(['audit', 'verify']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^trail intact: \d+ sealed runs verified; head \d+:[0-9a-f]{64}/);
    const exported = await medic(['audit', 'export']);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const head = lines.pop() as { head: { seq: number; chain: string } };
    let chain = '';
    for (const r of lines as Array<{ content: string; content_digest: string; chain: string }>) {
      expect(sha256(r.content)).toBe(r.content_digest);
      chain = sha256(chain + r.content_digest);
      expect(r.chain).toBe(chain);
    }
    expect(head.head.chain).toBe(chain);
    expect(exported.stderr).toContain(`--head ${head.head.seq}:${chain}`);
    expect((await medic(['audit', 'verify', '--head', `${head.head.seq}:${chain}`])).code).toBe(0);
  });

  it('names the run the owner UPDATEd by hand, and passes again once it is put back', async () => {
    await byHand((c) => c.query("UPDATE medic.runs SET actor = 'mallory' WHERE run_id = $1", [theirs.runId]));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'changed', runId: theirs.runId });
    const cli = await medic(['audit', 'verify']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(
      `trail altered: run ${theirs.runId}: the run or its steps changed after it was sealed`,
    );
    await byHand((c) => c.query("UPDATE medic.runs SET actor = 'alice' WHERE run_id = $1", [theirs.runId]));
    expect((await verify()).ok).toBe(true);
  });

  it('names a step changed by hand, and a snapshot whose bytes were swapped', async () => {
    await byHand((c) =>
      c.query("UPDATE medic.step_events SET detail = 'nothing happened' WHERE run_id = $1", [mine.runId]),
    );
    expect((await verify()).problems[0]).toMatchObject({ kind: 'changed', runId: mine.runId });
    await byHand((c) =>
      c.query("UPDATE medic.step_events SET detail = 'stopped' WHERE run_id = $1", [mine.runId]),
    );
    await byHand((c) =>
      c.query(
        "UPDATE medic.snapshots SET tar = 'evil', digest = 'sha256:' || encode(sha256('evil'), 'hex') WHERE run_id = $1",
        [theirs.runId],
      ),
    );
    expect((await verify()).problems).toEqual([
      expect.objectContaining({ kind: 'snapshot', runId: theirs.runId }),
    ]);
  });

  it('names a run INSERTed by hand (never sealed)', async () => {
    const forged = randomUUID();
    await byHand((c) =>
      c.query(
        `INSERT INTO medic.runs (run_id, workspace_id, command, source, actor, state, outcome, started_at, finished_at)
         VALUES ($1, $2, 'recover', 'chatops', 'alice', 'finished', 'recovered', now() - interval '1 day', now() - interval '1 day')`,
        [forged, mine.id],
      ),
    );
    expect((await verify()).problems).toContainEqual(
      expect.objectContaining({ kind: 'unsealed', runId: forged }),
    );
    await byHand((c) => c.query('DELETE FROM medic.runs WHERE run_id = $1', [forged]));
  });

  it('names a run DELETEd by hand, and the run after a seal deleted with it', async () => {
    const a = await placedWithRun('h1', 'bob');
    const b = await placedWithRun('h1', 'carol');
    await byHand(async (c) => {
      await c.query('DELETE FROM medic.step_events WHERE run_id = $1', [a.runId]);
      await c.query('DELETE FROM medic.snapshots WHERE run_id = $1', [a.runId]);
      await c.query('DELETE FROM medic.leases WHERE run_id = $1', [a.runId]);
      await c.query('DELETE FROM medic.runs WHERE run_id = $1', [a.runId]);
    });
    const deleted = await verify();
    expect(deleted.problems).toContainEqual(expect.objectContaining({ kind: 'deleted', runId: a.runId }));
    // The seal too: the chain breaks at the next run.
    await byHand((c) => c.query('DELETE FROM medic.seals WHERE run_id = $1', [a.runId]));
    const gone = await verify();
    expect(gone.problems[0]).toMatchObject({ kind: 'chain', runId: b.runId });
  });

  it('an outside head catches a rewritten chain, and the check is recorded for the dashboard', async () => {
    const { rows } = await world.db.query('SELECT seq::int AS seq FROM medic.seals ORDER BY seq LIMIT 1');
    const seq = (rows[0] as { seq: number }).seq;
    const report = await verifyTrail(world.deps(), { head: { seq, chain: 'f'.repeat(64) } });
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'head', seq }));
    const checks = await world.db.query('SELECT ok FROM medic.audit_checks ORDER BY id DESC LIMIT 1');
    expect(checks.rows).toEqual([{ ok: false }]);
  });
});
