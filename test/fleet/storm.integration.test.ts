// [storm] A fleet-wide breakage on the real engines: 30 workspaces, 15 on each of two Docker
// engines, each engine served by its own `medic agent` that heals on its own; 12 of them
// (40%) emptied and marked failed at once, under a policy whose breaker opens past 20%.
// The breaker opens, no more than the limit's recoveries start, each sink hears
// `breaker.opened` once, the skipped workspaces are listed; Postgres is restarted while it is
// open (its state is the database's, so it holds); an operator closes it with `medic breaker
// close`, and the 12 heal in waves shared by both agents (the first wave of 2 across both),
// each exactly once, and each sink hears `breaker.closed` once.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBreakers } from '../../src/core/index.js';
import {
  type BrokenWorkspace,
  createBrokenWorkspace,
  removeFixtures,
} from '../../src/demo/broken-workspace.js';
import { ensureLocalImage } from '../../src/docker/local-image.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { agentUp, lsOn, until } from '../helpers/fleet-rig.js';
import { type OwnPostgres, ownPostgres } from '../helpers/own-postgres.js';
import type { Proc } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

const MEDIC = path.resolve(import.meta.dirname, '../../lib/medic.js');
const ENGINE_A = 'unix:///var/run/docker.sock';
const ENGINE_B = process.env.MEDIC_TEST_DOCKER_B ?? 'unix:///run/medic-b/docker.sock';
const CONFIG = 'runtime: claude-code\nmodel: the-users-own\n';

/** A webhook receiver: the events it was sent, by kind. */
function receiver() {
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      got.push(String(req.headers['x-medic-event'] ?? (JSON.parse(body) as { event?: string }).event));
      res.writeHead(200).end('ok');
    });
  });
  const listening = new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    got,
    count: (event: string) => got.filter((e) => e === event).length,
    url: async () => {
      await listening;
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let pg: OwnPostgres;
let world: TestWorld;
let dockerB: Docker;
let imageB: string;
const sinks = [receiver(), receiver()];
const agents = new Map<string, Proc>();
const fleet: Array<BrokenWorkspace & { engine: 'a' | 'b' }> = [];

const medic = (args: string[]) =>
  execFileSync('node', [MEDIC, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: world.url, SUDO_USER: 'oncall-alice' },
    encoding: 'utf8',
  });

const dockerOf = (engine: 'a' | 'b') => (engine === 'a' ? world.docker : dockerB);

beforeAll(async () => {
  pg = await ownPostgres();
  world = await testWorld({ serverUrl: pg.url });
  dockerB = new Docker({ socketPath: new URL(ENGINE_B).pathname });
  imageB = await ensureLocalImage(dockerB);
  await applyTestPolicy(
    world.db,
    [
      'repos:\n  - repo: acme/platform\n    workspaces: all',
      'autoheal: {max_unhealthy: 20%, scope: fleet, canary: 2}',
      'notify:',
      '  - webhook: {url_env: HOOK_ONE, secret_env: HOOK_SECRET}\n    events: [breaker.opened, breaker.closed, heal.paused]',
      '  - webhook: {url_env: HOOK_TWO, secret_env: HOOK_SECRET}\n    events: [breaker.opened, breaker.closed, heal.paused]',
    ].join('\n'),
  );
  // 30 healthy workspaces (their config present, their rows online), 15 on each engine.
  for (let i = 0; i < 30; i++) {
    const engine = i % 2 === 0 ? 'a' : 'b';
    const w =
      engine === 'a'
        ? await world.broken({ status: 'online', stray: { 'config.yaml': CONFIG } })
        : await createBrokenWorkspace(dockerB, world.db, {
            image: imageB,
            status: 'online',
            stray: { 'config.yaml': CONFIG },
            labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
          });
    fleet.push({ ...w, engine });
  }
  const env = {
    DATABASE_URL: world.url,
    HOOK_ONE: await sinks[0]!.url(),
    HOOK_TWO: await sinks[1]!.url(),
    HOOK_SECRET: 'storm-secret-0123456789',
  };
  for (const [engine, host] of [
    ['a', ENGINE_A],
    ['b', ENGINE_B],
  ] as const) {
    agents.set(engine, await agentUp(world.db, engine, { ...env, DOCKER_HOST: host }, ['--interval', '2']));
  }
  await until('every workspace placed', 30_000, async () => {
    const { rows } = await world.db.query('SELECT count(*)::int AS n FROM medic.placements');
    return (rows[0] as { n: number }).n >= 30;
  });
}, 180_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [engine, agent] of agents) console.error(`--- agent ${engine}\n${agent.output()}`);
});

afterAll(async () => {
  await Promise.all([...agents.values()].map((p) => p.stop('SIGKILL')));
  await Promise.all(sinks.map((s) => s.close()));
  if (dockerB && world) await removeFixtures(dockerB, world.label);
  await world?.close().catch(() => undefined);
  await pg?.destroy();
}, 60_000);

const automaticStarts = async () =>
  (
    await world.db.query(
      "SELECT count(*)::int AS n FROM medic.runs WHERE command = 'recover' AND source = 'auto' AND outcome IS DISTINCT FROM 'refused'",
    )
  ).rows[0] as { n: number };

describe('40% of the fleet emptied at once, with a breaker at 20%', () => {
  it('opens, starts at most the limit, is said once per sink, lists the skipped; survives a Postgres restart; closed by an operator, the rest heal in waves', async () => {
    // 6 on each engine: their config removed, then every row marked failed in one statement.
    const broken = [
      ...fleet.filter((w) => w.engine === 'a').slice(0, 6),
      ...fleet.filter((w) => w.engine === 'b').slice(0, 6),
    ];
    for (const w of broken) {
      execFileSync('docker', [
        '-H',
        w.engine === 'a' ? ENGINE_A : ENGINE_B,
        'exec',
        w.container,
        'rm',
        '-f',
        '/configs/config.yaml',
      ]);
    }
    await world.db.query(
      "UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = ANY($1::uuid[])",
      [broken.map((w) => w.id)],
    );

    await until('the breaker open', 30_000, async () => (await listBreakers(world.db))[0]?.state === 'open');
    // Each agent's next sweeps skip its six; every skip is listed.
    await until('all twelve skipped', 30_000, async () => {
      const [b] = await listBreakers(world.db);
      return (b?.skips.length ?? 0) >= 12 - (await automaticStarts()).n;
    });
    expect((await automaticStarts()).n).toBeLessThanOrEqual(6); // 20% of 30
    const [open] = await listBreakers(world.db);
    expect(open!.counts).toMatchObject({ total: 30, limit: 6 });
    expect(open!.counts!.broken).toBeGreaterThan(6);

    await until('breaker.opened at both sinks', 15_000, async () =>
      sinks.every((s) => s.count('breaker.opened') >= 1),
    );
    const shown = medic(['breaker']);
    expect(shown).toMatch(/^breaker fleet: OPEN since .* \(\d+ of 30 broken, limit 6\)/m);
    expect(shown.match(/^ {2}skipped ws-/gm)?.length).toBeGreaterThanOrEqual(
      12 - (await automaticStarts()).n,
    );
    expect(medic(['status'])).toContain('breaker fleet: OPEN');

    // Postgres restarted while it is open: the agents reconnect; it stays open, nothing starts.
    await pg.restart();
    const skippedBefore = (await listBreakers(world.db))[0]!.skipped;
    await until(
      'skips counted again after the restart',
      30_000,
      async () => (await listBreakers(world.db))[0]!.skipped > skippedBefore,
    );
    expect((await listBreakers(world.db))[0]!.state).toBe('open');
    const startedWhileOpen = (await automaticStarts()).n;
    expect(startedWhileOpen).toBeLessThanOrEqual(6);
    for (const s of sinks) expect(s.count('breaker.opened')).toBe(1);

    // The operator closes it: the rest heal, in waves across both agents.
    expect(medic(['breaker', 'close', '--reason', 'the storage mount is back'])).toMatch(
      /^breaker fleet: closed \(was open, \d+ skipped\); its \d+ failed workspaces heal in waves/m,
    );
    await until('all twelve online', 90_000, async () => {
      const { rows } = await world.db.query(
        "SELECT count(*)::int AS n FROM workspaces WHERE status = 'online'",
      );
      return (rows[0] as { n: number }).n === 30;
    });
    const { rows: waves } = await world.db.query(
      "SELECT detail, count(*)::int AS n FROM medic.step_events WHERE name = 'wave' GROUP BY detail ORDER BY detail",
    );
    expect(waves[0]).toEqual({ detail: 'wave 1 in fleet (up to 2 recoveries)', n: 2 });
    for (const w of waves as Array<{ detail: string; n: number }>) {
      const size = Number(/up to (\d+)/.exec(w.detail)?.[1]);
      expect(w.n).toBeLessThanOrEqual(size);
    }
    for (const w of broken) {
      const { rows } = await world.db.query(
        "SELECT count(*)::int AS n FROM medic.runs WHERE workspace_id = $1 AND outcome = 'recovered'",
        [w.id],
      );
      expect(rows[0]).toEqual({ n: 1 });
    }
    expect(await lsOn(dockerOf('b'), imageB, broken.at(-1)!.volume)).toContain('config.yaml');
    await until('breaker.closed at both sinks', 15_000, async () =>
      sinks.every((s) => s.count('breaker.closed') >= 1),
    );
    const log = await world.db.query('SELECT kind, by, reason FROM medic.breaker_log ORDER BY id');
    expect(log.rows.map((r) => (r as { kind: string }).kind)).toEqual(['opened', 'closed']);
    expect(log.rows[1]).toMatchObject({ by: 'oncall-alice', reason: 'the storage mount is back' });
    for (const s of sinks) expect([s.count('breaker.opened'), s.count('breaker.closed')]).toEqual([1, 1]);
  }, 240_000);
});
