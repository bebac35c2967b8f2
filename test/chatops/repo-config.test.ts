// The repository's .github/medic.yml, validated with zod.
import { describe, expect, it } from 'vitest';
import { parseRepoConfig } from '../../src/chatops/repo-config.js';

describe('repo config', () => {
  it('has defaults, and names the key that is wrong', () => {
    expect(parseRepoConfig(null)).toMatchObject({
      ok: true,
      config: { incident_label: 'incident', permission: 'write', max_targets: 10 },
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
