// The repository's .github/medic.yml, validated with zod.
import { describe, expect, it } from 'vitest';
import { parseRepoConfig, type RepoConfig, tighten } from '../../src/chatops/repo-config.js';
import { parsePolicy } from '../../src/core/index.js';

const rule = (yaml: string) =>
  parsePolicy(`repos:\n  - repo: acme/platform\n    workspaces: all\n${yaml}`).repos[0]!;
const config = (text: string): RepoConfig => {
  const loaded = parseRepoConfig(text);
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.config;
};

describe('repo config', () => {
  it('has defaults, and names the key that is wrong', () => {
    expect(parseRepoConfig(null)).toMatchObject({
      ok: true,
      config: { incident_label: 'incident', close_on_recovery: true, allowed_users: [] },
    });
    expect(parseRepoConfig('max_targets: 0')).toMatchObject({ ok: false, key: 'max_targets' });
    expect(parseRepoConfig('colour: blue')).toMatchObject({ ok: false, key: 'colour' });
    expect(parseRepoConfig('permission: [')).toMatchObject({ ok: false, key: null });
    expect(parseRepoConfig('allowed_teams: [just-a-team]')).toMatchObject({
      ok: false,
      key: 'allowed_teams.0',
    });
  });
});

describe("tightening the operator's policy", () => {
  it('raises the permission and lowers the target cap', () => {
    expect(tighten(config('permission: admin\nmax_targets: 3'), rule(''))).toEqual({
      permission: 'admin',
      maxTargets: 3,
      notes: [],
    });
  });

  it('ignores a value that would loosen, and says so', () => {
    const effective = tighten(
      config('permission: read\nmax_targets: 50'),
      rule('    permission: maintain\n'),
    );
    expect(effective.permission).toBe('maintain');
    expect(effective.maxTargets).toBe(10);
    expect(effective.notes).toEqual([
      "`permission: read` is ignored: the operator's policy requires `maintain`",
      '`max_targets: 50` is ignored: at most 10 per comment',
    ]);
  });

  it('keeps the policy as it is when the file says nothing', () => {
    expect(tighten(config(''), rule(''))).toEqual({ permission: 'write', maxTargets: 10, notes: [] });
  });
});
