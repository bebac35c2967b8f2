// A flood of strangers that a legitimate on-call engineer never notices: 200 comments in well
// under a minute from ten accounts across two repositories (one the policy does not grant,
// one where they hold only `read`), and an admin's /recover sent in the middle of them. The
// app runs as `npm start` runs it, with GitHub's write pacing on (a 300 ms gap here), over a
// real Postgres and a real engine; GitHub is a stand-in on loopback that records every call.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceHistory } from '../../src/core/index.js';
import { applyTestPolicy } from '../helpers/core-deps.js';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { type LocalApp, startLocalApp } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { issueCommentPayload, type RepoOverride } from '../helpers/webhooks.js';

const SECRET = 'flood-test-secret';
const STRANGERS = Array.from({ length: 10 }, (_, i) => `stranger-${i}`);
const UNGRANTED: RepoOverride = { name: 'ungranted', id: 555001 };
const GAP_MS = 300;

let world: TestWorld;
let gh: StandIn;
let app: LocalApp;

async function deliver(body: string, login: string, issue: number, repository?: RepoOverride) {
  expect(
    await app.deliver(issueCommentPayload({ body, login, issue, ...(repository ? { repository } : {}) })),
  ).toBe(200);
}

const jobsLeft = async () =>
  (
    (await world.db.query("SELECT count(*)::int AS n FROM medic.jobs WHERE state <> 'done'")).rows[0] as {
      n: number;
    }
  ).n;

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db);
  gh = await githubStandIn({ boss: 'admin', ...Object.fromEntries(STRANGERS.map((s) => [s, 'read'])) });
  app = await startLocalApp({
    databaseUrl: world.url,
    githubUrl: gh.url,
    secret: SECRET,
    env: { MEDIC_WRITE_GAP_MS: String(GAP_MS) },
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await gh?.close();
  await world?.close();
});

describe('a flood of refusals', () => {
  it('answers each stranger once per repository, asks GitHub almost nothing, and lets the admin through first', async () => {
    const ws = await world.broken();
    const flood = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: to - from }, (_, k) => {
          const i = from + k;
          const actor = STRANGERS[Math.floor(i / 2) % STRANGERS.length]!;
          return i % 2 === 0
            ? deliver(`/recover ${ws.container} --force`, actor, 401, UNGRANTED)
            : deliver(`/rollback ${randomUUID()}`, actor, 402);
        }),
      );
    const started = Date.now();
    for (let i = 0; i < 100; i += 20) await flood(i, i + 20);
    await deliver(`/recover ${ws.container}`, 'boss', 500);
    const adminSent = performance.now();
    for (let i = 100; i < 200; i += 20) await flood(i, i + 20);
    expect(Date.now() - started).toBeLessThan(60_000);

    await expect.poll(() => gh.resultAt.get(500), { timeout: 30_000 }).toBeDefined();
    const adminShown = gh.resultAt.get(500)!;
    await expect.poll(jobsLeft, { timeout: 60_000 }).toBe(0);
    // The admin's recovery ran and its status comment carries the result.
    expect(await world.status(ws.id)).toBe('online');
    expect([...gh.comments.values()].find((c) => c.issue === 500)?.body).toContain('medic:result');

    // Its history shows the run that did something first, not a page of strangers' refusals.
    const history = await workspaceHistory(world.db, ws.id, 5);
    expect(history[0]).toMatchObject({ outcome: 'recovered', actor: 'boss' });
    expect(history.slice(1).every((h) => h.outcome === 'refused')).toBe(true);
    // At most one written refusal per actor and repository; every refusal stored as a run.
    // Refusals go out behind everything else, paced: wait for them, then for any straggler.
    const written = () => [...gh.comments.values()].filter((c) => c.body.includes('medic refused'));
    await expect.poll(() => written().length, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(20);
    await new Promise((r) => setTimeout(r, 10 * GAP_MS));
    const refusals = written();
    const perPair = new Map<string, number>();
    for (const c of refusals) {
      const actor = /refused @([\w-]+)/.exec(c.body)?.[1];
      perPair.set(`${actor} ${c.repo}`, (perPair.get(`${actor} ${c.repo}`) ?? 0) + 1);
    }
    expect(Math.max(...perPair.values())).toBe(1);
    expect(perPair.size).toBe(20);
    const { rows } = await world.db.query(
      "SELECT error_code, count(*)::int AS n FROM medic.runs WHERE outcome = 'refused' GROUP BY error_code ORDER BY 1",
    );
    expect(rows).toEqual([
      { error_code: 'PERMISSION_DENIED', n: 100 },
      { error_code: 'REPO_NOT_GRANTED', n: 100 },
    ]);
    // GitHub was asked nothing for the ungranted repository, and at most twice per stranger
    // for the granted one (then the role looked up last is reused for ten minutes).
    const lookups = gh.requests.filter((r) => r.method === 'GET' && r.path.includes('/collaborators/'));
    expect(lookups.filter((r) => r.path.includes('/ungranted/'))).toEqual([]);
    expect(lookups.filter((r) => r.path.includes('stranger-')).length).toBeLessThanOrEqual(
      2 * STRANGERS.length,
    );
    // A reaction at most twice per pair (with the comment, then once more), then nothing.
    expect(gh.reactions.filter((r) => r === '-1').length).toBeLessThanOrEqual(2 * perPair.size);
    // The admin's answer did not queue behind the strangers': most of their writes came after it.
    const strangerWrites = gh.writes.filter((w) => !w.path.includes('/issues/500/') && w.at > adminSent);
    expect(strangerWrites.filter((w) => w.at > adminShown).length).toBeGreaterThan(strangerWrites.length / 2);
  }, 120_000);
});
