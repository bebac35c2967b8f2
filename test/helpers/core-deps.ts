// CoreDeps for unit tests: the fake runtime, an in-memory database, the project's templates
// (or a test's), a real clock made fast, and a silent logger.
import path from 'node:path';
import {
  applyPolicy,
  type GitHubRepo,
  type Grant,
  parsePolicy,
  type Queryable,
  type RepoDirectory,
  resolvePolicy,
} from '../../src/core/index.js';
import { loadConfig } from '../../src/core/model/config.js';
import type { CoreDeps } from '../../src/core/model/deps.js';
import { type Clock, silentLogger } from '../../src/core/model/ports.js';
import { directoryTemplates } from '../../src/templates/directory-templates.js';
import type { FakeRuntime } from './fake-runtime.js';
import type { MemoryDb } from './memory-db.js';

export const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');

export const fastClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: () => new Promise((resolve) => setImmediate(resolve)),
};

export function unitDeps(db: MemoryDb, runtime: FakeRuntime, env: Record<string, string> = {}): CoreDeps {
  const config = loadConfig({ MEDIC_START_TIMEOUT_S: '1', ...env }, TEMPLATES);
  return {
    db,
    runtime: runtime.port,
    templates: directoryTemplates(config.configsDir),
    config,
    clock: fastClock,
    logger: silentLogger,
    holder: 'test:1',
  };
}

/** Inserts a workspace row; returns its uuid and container name. */
export async function addWorkspace(
  db: MemoryDb,
  fields: { id?: string; status?: string; runtime?: string } = {},
): Promise<{ id: string; container: string }> {
  const id = fields.id ?? crypto.randomUUID();
  await db.query('INSERT INTO workspaces (id, name, status, runtime) VALUES ($1, $2, $3, $4)', [
    id,
    'test',
    fields.status ?? 'failed',
    fields.runtime ?? 'claude-code',
  ]);
  return { id, container: `ws-${id.slice(0, 12)}` };
}

/** GitHub's ids of the fixtures' acme/platform: those of @octokit/webhooks-examples' repository. */
export const PLATFORM_IDS = { repoId: 186853002, ownerId: 21031067 } as const;

/** The repositories GitHub knows in the tests, as `policy apply` would find them. */
export const TEST_REPOS: readonly GitHubRepo[] = [
  { id: PLATFORM_IDS.repoId, fullName: 'acme/platform', ownerId: PLATFORM_IDS.ownerId },
  { id: 700001, fullName: 'acme/other', ownerId: PLATFORM_IDS.ownerId },
  { id: 700002, fullName: 'acme/team-a-ops', ownerId: PLATFORM_IDS.ownerId },
  { id: 700003, fullName: 'acme/team-a', ownerId: PLATFORM_IDS.ownerId },
];

/** A grant from one of TEST_REPOS, with the ids GitHub would deliver (null for a repository it does not know). */
export function testGrant(repo: string, role: string, origin = { repo, issue: 7, comment: 99 }): Grant {
  const known = TEST_REPOS.find((r) => r.fullName === repo);
  return { repo, repoId: known?.id ?? null, ownerId: known?.ownerId ?? null, role, origin };
}

/** A RepoDirectory over a fixed list (what GitHub would answer `policy apply`). */
export function fakeDirectory(repos: readonly GitHubRepo[] = TEST_REPOS): RepoDirectory {
  const ownerOf = (r: GitHubRepo) => r.fullName.split('/')[0]!.toLowerCase();
  return {
    describe: "the tests' GitHub",
    repo: async (owner, name) =>
      repos.find((r) => r.fullName.toLowerCase() === `${owner}/${name}`.toLowerCase()) ?? null,
    reposOf: async (owner) => repos.filter((r) => ownerOf(r) === owner.toLowerCase()),
    owners: async () => [...new Set(repos.map(ownerOf))],
    ownerId: async (owner) => repos.find((r) => ownerOf(r) === owner.toLowerCase())?.ownerId ?? null,
  };
}

/** Applies an operator's policy (what the app and the action need before they act), pinned as `policy apply` pins it. */
export async function applyTestPolicy(
  db: Queryable,
  yaml = 'repos:\n  - repo: acme/platform\n    workspaces: all\n',
  directory: RepoDirectory = fakeDirectory(),
): Promise<void> {
  const policy = parsePolicy(yaml);
  const { resolution } = await resolvePolicy(policy, directory, new Date());
  await applyPolicy(db, policy, resolution, 'test-operator');
}
