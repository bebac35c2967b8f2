// Hostile input against the real engine and Postgres: every case is refused with a coded
// error and changes nothing (row, container, volume).

import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatOpsDeps, handleComment } from '../../src/chatops/handle-comment.js';
import { recover } from '../../src/core/commands/recover.js';
import { silentLogger } from '../../src/core/model/ports.js';
import type { GitHubPort } from '../../src/github/github-port.js';
import { applyTestPolicy, PLATFORM_IDS } from '../helpers/core-deps.js';
import { unpaced } from '../helpers/github-nock.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { tally } from './tally.js';

let world: TestWorld;
let configs: string;
beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db);
  const base = await mkdtemp(path.join(tmpdir(), 'medic-hostile-'));
  configs = path.join(base, 'configs');
  const outside = path.join(base, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'config.yaml'), 'stolen: true\n');
  await mkdir(path.join(configs, 'inner-link'), { recursive: true });
  await writeFile(path.join(configs, 'inner-link', 'config.yaml'), 'ok\n');
  await symlink('/etc/passwd', path.join(configs, 'inner-link', 'passwd'));
  await symlink(outside, path.join(configs, 'dir-link'));
  await mkdir(path.join(configs, 'huge'));
  await writeFile(path.join(configs, 'huge', 'config.yaml'), 'x'.repeat(2048));
  await mkdir(path.join(configs, 'no-config'));
  await writeFile(path.join(configs, 'no-config', 'other.yaml'), 'x');
});
afterAll(() => world?.close());

const cli = { actor: 'hostile', source: 'cli' } as const;

async function unchanged(ws: { id: string; container: string; volume: string }, stray: string[]) {
  const files = await world.ls(ws.volume);
  const running = (await world.docker.getContainer(ws.container).inspect()).State.Running;
  return {
    status: await world.status(ws.id),
    files,
    running,
    keptStray: stray.every((f) => files.includes(f)),
  };
}

describe('hostile runtimes and templates', () => {
  it.each([
    ['../../etc', 'INVALID_RUNTIME'],
    ['a/b', 'INVALID_RUNTIME'],
    ['/etc', 'INVALID_RUNTIME'],
    ['..', 'INVALID_RUNTIME'],
    ['claude-code;rm -rf /', 'INVALID_RUNTIME'],
    ['dir-link', 'TEMPLATE_ESCAPE'],
    ['inner-link', 'TEMPLATE_ESCAPE'],
    ['huge', 'TEMPLATE_TOO_LARGE'],
    ['no-config', 'TEMPLATE_INVALID'],
  ])('runtime %j is refused with %s and nothing changes', async (runtime, code) => {
    const ws = await world.broken({ runtime, stray: { 'user.txt': 'mine\n' } });
    const result = await recover(
      world.deps({ CONFIGS_DIR: configs, MEDIC_TEMPLATE_MAX_BYTES: '1024' }),
      ws.container,
      cli,
    );
    tally('badInput');
    expect(result.error?.code).toBe(code);
    expect(await unchanged(ws, ['user.txt'])).toEqual({
      status: 'failed',
      files: ['user.txt'],
      running: true,
      keptStray: true,
    });
    tally('dataLoss', 0);
  });

  it.each([
    'ws-xyz',
    '../../etc',
    'ws-92f6d88b-6a9; drop table workspaces',
    "ws-' OR 1=1 --",
    `ws-${'a'.repeat(200)}`,
    'ws-92f6d88b-6a9\u0000',
    '',
  ])('target %j is refused before anything is read or written', async (target) => {
    const before = await world.db.query('SELECT count(*)::int AS n FROM medic.runs');
    const result = await recover(world.deps(), target, cli);
    tally('badInput');
    expect(result.error?.code).toBe('INVALID_TARGET');
    expect(await world.db.query('SELECT count(*)::int AS n FROM medic.runs')).toEqual(before);
  });
});

describe('hostile comments', () => {
  const github = (perm: string) => {
    const written: string[] = [];
    const port: GitHubPort = {
      owner: 'acme',
      repo: 'platform',
      react: async () => {},
      createComment: async (_issue, body) => {
        written.push(body);
        return written.length;
      },
      updateComment: async (id, body) => {
        written[id - 1] = body;
      },
      closeIssue: async () => {},
      reopenIssue: async () => {},
      createIssue: async () => 1,
      findOpenIssue: async () => null,
      permissionOf: async () => perm,
      isTeamMember: async () => false,
      readFile: async () => null,
    };
    return { port, written };
  };
  const chatDeps = (port: GitHubPort): ChatOpsDeps => ({
    core: world.deps(),
    github: port,
    logger: silentLogger,
    source: 'app',
    editIntervalMs: 0,
    commentMaxAgeS: 3600,
    writes: unpaced(),
  });
  const event = (body: string, extra: { author?: string; authorType?: string; fork?: boolean } = {}) => ({
    repository: { id: PLATFORM_IDS.repoId, ownerId: PLATFORM_IDS.ownerId },
    issue: { number: 1, labels: ['incident'], state: 'open' },
    comment: {
      id: 1,
      body,
      author: extra.author ?? 'alice',
      authorType: extra.authorType ?? 'User',
      createdAt: null,
    },
    repositoryFork: extra.fork ?? false,
  });

  it.each([
    ['a bot', { authorType: 'Bot', author: 'evil[bot]' }],
    ['a fork', { fork: true }],
  ])('ignores a command from %s', async (_who, extra) => {
    const ws = await world.broken();
    const gh = github('admin');
    const out = await handleComment(chatDeps(gh.port), event(`/recover ${ws.container}`, extra));
    tally('badInput');
    expect(out.handled).toBe(false);
    expect(gh.written).toEqual([]);
    expect(await world.status(ws.id)).toBe('failed');
  });

  it('keeps markup and a --> in --reason from breaking out of the status comment', async () => {
    const ws = await world.broken();
    const gh = github('write');
    const reason = '--> </details><img src=x onerror=alert(1)> @org/admins ```';
    await handleComment(chatDeps(gh.port), event(`/recover ${ws.container} --dry-run --reason "${reason}"`));
    tally('badInput');
    const body = gh.written.join('\n');
    expect(body).not.toMatch(/<img|@org\/admins|```/);
    expect(body.match(/-->/g)).toHaveLength(1);
  });
});
