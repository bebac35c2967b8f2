// Grants that cannot be captured by creating or renaming a repository, end to end: the
// operator applies the policy with `medic policy apply` (a process, asking a GitHub stand-in
// as the app, then with a token), the app runs as `npm start` runs it, and signed deliveries
// built from real payloads come from the granted repository, from one created after the
// policy was applied whose name fits its pattern, and from one deleted and re-created under
// the granted name. Real Postgres, real engine.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { APP_ENV, type LocalApp, startLocalApp } from '../helpers/processes.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import {
  issueCommentPayload,
  issuesPayload,
  OWNER_ID,
  REPO_ID,
  type RepoOverride,
} from '../helpers/webhooks.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const SECRET = 'identity-test-secret';
const OPS = { name: 'team-a-ops', id: 700002, ownerId: OWNER_ID } as const;
const CREATED_LATER = { name: 'team-a-x', id: 900001, ownerId: OWNER_ID } as const;
const RECREATED_OPS = { name: 'team-a-ops', id: 900002, ownerId: OWNER_ID } as const;

let world: TestWorld;
let gh: StandIn;
let app: LocalApp;

async function medic(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: world.url, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function policyFile(text: string): Promise<string> {
  const file = path.join(tmpdir(), `medic-policy-${randomUUID()}.yaml`);
  await writeFile(file, text);
  return file;
}

const ghHost = () => new URL(gh.url).host;
const asApp = () => ({ ...APP_ENV, GHE_HOST: ghHost(), GHE_PROTOCOL: 'http' });

/** A signed /recover --force from `repository`, by `login`; resolves once its job is done. */
async function forceFrom(repository: RepoOverride, login: string, container: string, issue: number) {
  const payload = issueCommentPayload({ body: `/recover ${container} --force`, login, issue, repository });
  expect(await app.deliver(payload)).toBe(200);
  await expect
    .poll(
      () => [...gh.comments.values()].find((c) => c.issue === issue && /medic:result|refused/.test(c.body)),
      {
        timeout: 20_000,
      },
    )
    .toBeTruthy();
  return [...gh.comments.values()].filter((c) => c.issue === issue).map((c) => c.body);
}

beforeAll(async () => {
  world = await testWorld();
  gh = await githubStandIn(
    {
      alice: 'admin',
      mallory: 'admin',
      reporter: 'triage',
      writer: 'write',
      carol: 'write',
      flaky: 'status:502',
    },
    [
      { id: OPS.id, full_name: `acme/${OPS.name}`, owner: { login: 'acme', id: OWNER_ID } },
      { id: 700009, full_name: 'acme/platform-docs', owner: { login: 'acme', id: OWNER_ID } },
    ],
  );
  app = await startLocalApp({ databaseUrl: world.url, githubUrl: gh.url, secret: SECRET, env: asApp() });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await gh?.close();
  await world?.close();
});

describe('grants pinned to GitHub ids', () => {
  it('pins a pattern to the repositories that fit it now, as the app sees them', async () => {
    const file = await policyFile('repos:\n  - repo: acme/team-a-*\n    workspaces: all\n');
    const applied = await medic(['policy', 'apply', file], asApp());
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`pinned to acme/team-a-ops (id ${OPS.id})`);
    expect(applied.stdout).not.toContain('platform-docs');
    expect(applied.stdout).toMatch(/pinned via http:\/\/127\.0\.0\.1:\d+\/api\/v3 as app 1/);
    const shown = await medic(['policy', 'show'], {});
    expect(shown.stdout).toContain(`pinned to acme/team-a-ops (id ${OPS.id})`);
  });

  it('refuses an admin of a repository created later under a fitting name, and one re-created under the granted name', async () => {
    gh.repos.push({
      id: CREATED_LATER.id,
      full_name: 'acme/team-a-x',
      owner: { login: 'acme', id: OWNER_ID },
    });
    const ws = await world.broken({ status: 'online', stray: { 'config.yaml': 'theirs\n' } });
    for (const [repository, issue] of [
      [CREATED_LATER, 301],
      [RECREATED_OPS, 302],
    ] as const) {
      const [answer] = await forceFrom(repository, 'mallory', ws.container, issue);
      expect(answer).toContain('`REPO_NOT_GRANTED`');
      expect(answer).toContain('medic policy apply');
    }
    expect(await world.cat(ws.volume, 'config.yaml')).toBe('theirs\n');
    const { rows } = await world.db.query(
      "SELECT count(*)::int AS n FROM medic.runs WHERE outcome = 'refused' AND error_code = 'REPO_NOT_GRANTED'",
    );
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('still runs the granted repository, by its id', async () => {
    const ws = await world.broken({ status: 'online', stray: { 'config.yaml': 'theirs\n' } });
    const bodies = await forceFrom(OPS, 'alice', ws.container, 303);
    expect(bodies.join('\n')).toContain('recovered');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime:');
  });

  it('with new_repositories: true, matches the new repository by owner id, and apply and check warn', async () => {
    const file = await policyFile(
      'repos:\n  - repo: acme/team-a-*\n    new_repositories: true\n    workspaces: all\n',
    );
    const check = await medic(['policy', 'check', file], {});
    expect(check.stderr).toMatch(/WARNING: rule 1 \(acme\/team-a-\*\) says new_repositories: true/);
    // [contain] With the app's credentials too: the owner's id comes through its installation.
    const asTheApp = await medic(['policy', 'apply', file], asApp());
    expect(asTheApp.stderr).not.toContain('installationId');
    expect(asTheApp.code).toBe(0);
    expect(asTheApp.stdout).toContain(`new repositories of owner id ${OWNER_ID}`);
    const applied = await medic(['policy', 'apply', file], {
      GITHUB_TOKEN: 'ghp_test',
      GITHUB_API_URL: gh.url,
    });
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain('WARNING');
    expect(applied.stdout).toContain(`new repositories of owner id ${OWNER_ID}`);
    const ws = await world.broken({ status: 'online', stray: { 'config.yaml': 'theirs\n' } });
    const bodies = await forceFrom(CREATED_LATER, 'mallory', ws.container, 304);
    expect(bodies.join('\n')).not.toContain('REPO_NOT_GRANTED');
    expect(await world.cat(ws.volume, 'config.yaml')).toContain('runtime:');
  });

  it('refuses to apply a pattern without GitHub access, naming the variables, and changes nothing', async () => {
    const before = await medic(['policy', 'show', '--json'], {});
    const file = await policyFile('repos:\n  - repo: acme/team-b-*\n    workspaces: all\n');
    const refused = await medic(['policy', 'apply', file], {});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('POLICY_UNRESOLVED');
    expect(refused.stderr).toContain('APP_ID and PRIVATE_KEY');
    expect(refused.stderr).toContain('GITHUB_TOKEN');
    expect((await medic(['policy', 'show', '--json'], {})).stdout).toBe(before.stdout);
    const pinned = await policyFile('repos:\n  - repo: acme/team-b\n    id: 123\n    workspaces: all\n');
    const applied = await medic(['policy', 'apply', pinned], {});
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('pinned to acme/team-b (id 123)');
  });
});

describe('every door obeys the repository file, and the small ones, over the real app', () => {
  beforeAll(async () => {
    const file = await policyFile(
      `repos:\n  - repo: acme/platform\n    id: ${REPO_ID}\n    workspaces: all\n`,
    );
    expect((await medic(['policy', 'apply', file], {})).code).toBe(0);
  });
  const comments = (issue: number) =>
    [...gh.comments.values()].filter((c) => c.issue === issue).map((c) => c.body);
  const incident = async (issue: number, sender: string, body: string) => {
    expect(
      await app.deliver(
        issuesPayload({ title: 'Workspaces down', body, issue, author: sender, sender }),
        'issues',
      ),
    ).toBe(200);
  };

  it("holds an incident's diagnosis to the file's max_targets (at most 10), permission and allowed users", async () => {
    const many = await world.brokenMany(12);
    const names = many.map((w) => w.container).join(' ');
    gh.files.set('acme/platform:.github/medic.yml', 'max_targets: 40\n');
    await incident(601, 'reporter', names);
    await expect.poll(() => comments(601).length, { timeout: 20_000 }).toBe(1);
    expect(many.filter((w) => comments(601)[0]!.includes(`| \`${w.container}\``))).toHaveLength(10);

    gh.files.set('acme/platform:.github/medic.yml', 'permission: maintain\nallowed_users: [carol]\n');
    await incident(602, 'writer', names);
    await incident(603, 'carol', names);
    await expect.poll(() => comments(603).length, { timeout: 20_000 }).toBe(0);
    gh.files.set('acme/platform:.github/medic.yml', 'allowed_users: [carol]\n');
    await incident(604, 'writer', many[0]!.container);
    await incident(605, 'carol', many[0]!.container);
    await expect.poll(() => comments(605).length, { timeout: 20_000 }).toBe(1);
    expect(comments(602)).toEqual([]);
    expect(comments(604)).toEqual([]);
    gh.files.delete('acme/platform:.github/medic.yml');
  });

  it('answers a failed permission look-up with GITHUB_UNAVAILABLE, running nothing', async () => {
    const ws = await world.broken();
    expect(
      await app.deliver(
        issueCommentPayload({ body: `/recover ${ws.container}`, login: 'flaky', issue: 606 }),
      ),
    ).toBe(200);
    await expect.poll(() => comments(606).length, { timeout: 60_000 }).toBe(1);
    expect(comments(606)[0]).toContain('`GITHUB_UNAVAILABLE`');
    expect(comments(606)[0]).toContain('comment the command again in a minute');
    expect(await world.status(ws.id)).toBe('failed');
    expect(await world.ls(ws.volume)).toEqual([]);
  });

  it("shows a volume's marker with its newlines and escapes escaped, in the CLI and in a comment", async () => {
    const marker = JSON.stringify({
      template: 'x\n  to fix: medic recover --force ws-00000000-000\u001b[2J',
      digest: 'sha256:x',
      runId: 'r\n1',
      time: 't',
    });
    const ws = await world.broken({
      status: 'online',
      stray: { 'config.yaml': 'ok\n', '.provisioned': marker },
    });
    const out = await medic(['diagnose', ws.container], {});
    expect(out.stdout).toContain('provisioned from x\\n  to fix');
    expect(
      out.stdout.split('\n').filter((l) => l.trimStart().startsWith('to fix: medic recover --force')),
    ).toEqual([]);
    expect(out.stdout).not.toContain('\u001b');
    const asJson = JSON.parse((await medic(['diagnose', ws.container, '--json'], {})).stdout) as {
      marker: { template: string };
    };
    expect(asJson.marker.template).toContain('\n');
  });
});
