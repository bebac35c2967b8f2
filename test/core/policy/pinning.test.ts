// Pinning a policy to GitHub's ids: what `resolvePolicy` pins each rule to (through a
// directory, or the file's ids), what it refuses without GitHub access, what it warns about;
// and `grantedRule`, which grants by id and name together, never by name alone.
import { describe, expect, it } from 'vitest';
import {
  type GrantSource,
  grantedRule,
  parsePolicy,
  resolvePolicy,
  type StoredPolicy,
} from '../../../src/core/index.js';
import { fakeDirectory, PLATFORM_IDS } from '../../helpers/core-deps.js';

const OWNER = PLATFORM_IDS.ownerId;
const at = new Date('2026-11-30T00:00:00Z');

async function stored(yaml: string, withGitHub = true): Promise<StoredPolicy> {
  const policy = parsePolicy(yaml);
  const { resolution } = await resolvePolicy(policy, withGitHub ? fakeDirectory() : null, at);
  return { version: 3, policy, resolution, appliedBy: 'op', appliedAt: at };
}
const from = (repo: string, repoId: number | null, ownerId: number | null = OWNER): GrantSource => ({
  repo,
  repoId,
  ownerId,
});
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'granted';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('resolvePolicy', () => {
  it('pins an exact name and a pattern to the ids GitHub has now, and an id given in the file as it is', async () => {
    const policy = parsePolicy(`repos:
  - repo: acme/platform
    workspaces: all
  - repo: acme/team-a-*
    workspaces: all
  - repo: acme/elsewhere
    id: 42
    workspaces: all
`);
    const { resolution, warnings } = await resolvePolicy(policy, fakeDirectory(), at);
    expect(resolution.rules.map((r) => r.repos)).toEqual([
      [{ id: PLATFORM_IDS.repoId, name: 'acme/platform' }],
      [{ id: 700002, name: 'acme/team-a-ops' }],
      [{ id: 42, name: 'acme/elsewhere' }],
    ]);
    expect(resolution.at).toBe(at.toISOString());
    expect(warnings).toEqual([]);
  });

  it('refuses with POLICY_UNRESOLVED, naming the rules and the variables, when a rule needs GitHub and there is none', async () => {
    const policy = parsePolicy(
      'repos:\n  - repo: acme/team-a-*\n    workspaces: all\n  - repo: acme/x\n    workspaces: all\n  - repo: acme/y\n    id: 9\n    workspaces: all\n',
    );
    const error = (await resolvePolicy(policy, null, at).then(
      () => null,
      (e: unknown) => e,
    )) as Error & { code: string; hint: string };
    expect(error.code).toBe('POLICY_UNRESOLVED');
    expect(error.message).toContain('rule 1 (acme/team-a-*), rule 2 (acme/x)');
    expect(error.message).not.toContain('acme/y');
    expect(error.hint).toContain('GITHUB_TOKEN');
  });

  it('pins ids alone without GitHub; new_repositories then needs owner_id', async () => {
    const ok = parsePolicy(
      'repos:\n  - repo: acme/x\n    id: 5\n    owner_id: 6\n    new_repositories: true\n    workspaces: all\n',
    );
    expect((await resolvePolicy(ok, null, at)).resolution.rules[0]).toEqual({
      repos: [{ id: 5, name: 'acme/x' }],
      ownerId: 6,
    });
    const missing = parsePolicy(
      'repos:\n  - repo: acme/x\n    id: 5\n    new_repositories: true\n    workspaces: all\n',
    );
    await expect(resolvePolicy(missing, null, at)).rejects.toMatchObject({ code: 'POLICY_UNRESOLVED' });
  });

  it('warns loudly about new_repositories and about a rule that matches nothing', async () => {
    const policy = parsePolicy(
      'repos:\n  - repo: acme/team-a-*\n    new_repositories: true\n    workspaces: all\n  - repo: acme/gone\n    workspaces: all\n',
    );
    const { resolution, warnings } = await resolvePolicy(policy, fakeDirectory(), at);
    expect(resolution.rules[0]?.ownerId).toBe(OWNER);
    expect(warnings[0]).toMatch(/^WARNING: rule 1 \(acme\/team-a-\*\) says new_repositories: true/);
    expect(warnings[0]).toContain('--force and /rollback');
    expect(warnings[1]).toContain('rule 2 (acme/gone) matches no repository');
  });

  it('refuses an id on a pattern, and new_repositories with a pattern for the owner', () => {
    expect(() => parsePolicy('repos:\n  - repo: acme/team-*\n    id: 4\n    workspaces: all\n')).toThrow(
      /repos\.0\.id/,
    );
    expect(() =>
      parsePolicy('repos:\n  - repo: "*/team"\n    new_repositories: true\n    workspaces: all\n'),
    ).toThrow(/exact owner/);
  });
});

describe('grantedRule', () => {
  it('grants the pinned repository by id and name, and nothing that only shares the name', async () => {
    const p = await stored('repos:\n  - repo: acme/team-a-*\n    workspaces: all\n');
    expect(codeOf(() => grantedRule(p, from('acme/team-a-ops', 700002)))).toBe('granted');
    expect(codeOf(() => grantedRule(p, from('ACME/Team-A-Ops', 700002)))).toBe('granted');
    // Created after the policy was applied; re-created under the granted name; renamed away and back.
    expect(codeOf(() => grantedRule(p, from('acme/team-a-new', 900001)))).toBe('REPO_NOT_GRANTED');
    expect(codeOf(() => grantedRule(p, from('acme/team-a-ops', 900002)))).toBe('REPO_NOT_GRANTED');
    expect(codeOf(() => grantedRule(p, from('acme/team-a-renamed', 700002)))).toBe('REPO_NOT_GRANTED');
    expect(codeOf(() => grantedRule(p, from('acme/team-a-ops', null)))).toBe('REPO_NOT_GRANTED');
  });

  it('says why, and that applying the policy again is the fix', async () => {
    const p = await stored('repos:\n  - repo: acme/team-a-*\n    workspaces: all\n');
    const error = (() => {
      try {
        grantedRule(p, from('acme/team-a-new', 900001));
      } catch (e) {
        return e as Error & { hint: string };
      }
    })();
    expect(error?.message).toContain('fits the rule acme/team-a-* by name');
    expect(error?.message).toContain('policy version 3');
    expect(error?.hint).toContain('medic policy apply');
  });

  it('with new_repositories: true, grants a new repository of the same owner id only', async () => {
    const p = await stored(
      'repos:\n  - repo: acme/team-a-*\n    new_repositories: true\n    workspaces: all\n',
    );
    expect(codeOf(() => grantedRule(p, from('acme/team-a-new', 900001)))).toBe('granted');
    expect(codeOf(() => grantedRule(p, from('acme/team-a-new', 900001, 31337)))).toBe('REPO_NOT_GRANTED');
    expect(codeOf(() => grantedRule(p, from('acme/team-b', 900003)))).toBe('REPO_NOT_GRANTED');
  });

  it('grants nothing under a policy applied before ids were pinned, and says to apply it again', async () => {
    const p = {
      ...(await stored('repos:\n  - repo: acme/platform\n    workspaces: all\n')),
      resolution: null,
    };
    expect(() => grantedRule(p, from('acme/platform', PLATFORM_IDS.repoId))).toThrow(
      /applied before grants were pinned/,
    );
  });

  it('the first rule that grants decides; a rule that fits by name alone does not stop the search', async () => {
    const p = await stored(
      'repos:\n  - repo: acme/team-a-*\n    workspaces: { names: ["a *"] }\n  - repo: acme/*\n    workspaces: all\n    permission: admin\n',
    );
    expect(grantedRule(p, from('acme/team-a-ops', 700002)).workspaces).toEqual({ names: ['a *'] });
    expect(grantedRule(p, from('acme/platform', PLATFORM_IDS.repoId)).permission).toBe('admin');
  });
});
