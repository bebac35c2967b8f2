// The operator's policy file: validated with zod (a permission below write, an elevated below
// maintain, an unknown key are invalid), the first matching rule decides, `*` matches within a
// part of owner/name, and a selector's keys must all match.
import { describe, expect, it } from 'vitest';
import {
  checkClient,
  describePolicy,
  formatOf,
  parsePolicy,
  repoFits,
  selects,
} from '../../../src/core/index.js';

const ws = { id: '92f6d88b-6a96-4e6a-875b-3cf866fa020a', name: 'team-a research', runtime: 'langgraph' };

describe('parsePolicy', () => {
  it('reads YAML and JSON, with the documented defaults', () => {
    const yaml = parsePolicy('repos:\n  - repo: acme/incidents\n    workspaces: all\n');
    const json = parsePolicy('{"repos":[{"repo":"acme/incidents","workspaces":"all"}]}');
    expect(yaml).toEqual(json);
    expect(yaml.repos[0]).toEqual({
      repo: 'acme/incidents',
      new_repositories: false,
      workspaces: 'all',
      permission: 'write',
      elevated: 'maintain',
    });
  });

  it.each([
    [
      'repos:\n  - repo: acme/x\n    workspaces: all\n    permission: read\n',
      /repos\.0\.permission \(line 4, column 17: "permission: read"\): may not be below write/,
    ],
    [
      'repos:\n  - repo: acme/x\n    workspaces: all\n    elevated: write\n',
      /repos\.0\.elevated \(line 4, column 15: "elevated: write"\): may not be below maintain/,
    ],
    ['repos:\n  - repo: acme\n    workspaces: all\n', /repos\.0\.repo/],
    ['repos:\n  - repo: acme/x\n    workspaces: {}\n', /at least one of names, runtimes, ids/],
    ['repos:\n  - repo: acme/x\n    workspaces:\n      ids: [ws-zz]\n', /repos\.0\.workspaces\.ids\.0/],
    ['repos:\n  - repo: acme/x\n    workspaces: all\n    colour: blue\n', /repos\.0/],
    ['repos: [', /not valid YAML/],
  ])('refuses %j with INVALID_POLICY naming the key', (text, message) => {
    expect(() => parsePolicy(text)).toThrow(message);
    try {
      parsePolicy(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe('INVALID_POLICY');
    }
  });
});

describe('rules', () => {
  const policy = parsePolicy(`repos:
  - repo: acme/team-a-*
    workspaces: { names: ["team-a *"], runtimes: [langgraph] }
  - repo: acme/*
    workspaces: { ids: [ws-92f6d88b-6a9] }
  - repo: "*/*"
    workspaces: all
    permission: admin
`);

  it('the first rule whose repo matches decides; * stays within a part; case does not matter', () => {
    expect(policy.repos.find((r) => repoFits(r, 'acme/team-a-ops'))?.workspaces).toEqual({
      names: ['team-a *'],
      runtimes: ['langgraph'],
    });
    expect(policy.repos.find((r) => repoFits(r, 'ACME/Incidents'))?.workspaces).toEqual({
      ids: ['ws-92f6d88b-6a9'],
    });
    expect(policy.repos.find((r) => repoFits(r, 'other/repo'))?.permission).toBe('admin');
    expect(repoFits({ repo: 'acme/*' }, 'acme/a/b')).toBe(false);
  });

  it('a selector takes a workspace only when every key given matches', () => {
    const teamA = policy.repos[0]!;
    expect(selects(teamA, ws)).toBe(true);
    expect(selects(teamA, { ...ws, name: 'team-b research' })).toBe(false);
    expect(selects(teamA, { ...ws, runtime: 'crewai' })).toBe(false);
    const byId = policy.repos[1]!;
    expect(selects(byId, ws)).toBe(true);
    expect(selects(byId, { ...ws, id: '92f6d88c-6a96-4e6a-875b-3cf866fa020a' })).toBe(false);
  });

  it('says what each repository may do', () => {
    expect(describePolicy(policy)).toEqual([
      'acme/team-a-*: /recover and /diagnose with write or more, --force and /rollback with maintain or more, on names "team-a *" and runtimes langgraph',
      'acme/*: /recover and /diagnose with write or more, --force and /rollback with maintain or more, on ids ws-92f6d88b-6a9',
      '*/*: /recover and /diagnose with admin or more, --force and /rollback with maintain or more, on every workspace',
      'automatic heals: a workspace broken again 3 times within MEDIC_REGRESSION_WINDOW of a recovery is flapping, left to a person',
      'breaker: off (max_unhealthy 100%); more than 2 broken at once in a fleet heal in waves from 2, paused when over 0.5 of a wave fails',
    ]);
  });
});

describe('HTTP API clients', () => {
  const row = { ...ws, status: 'failed' };
  const stored = (yaml: string) => ({
    version: 1,
    policy: parsePolicy(yaml),
    appliedBy: 'op',
    appliedAt: new Date(),
    resolution: null,
  });
  const policy = stored(
    'clients:\n  - name: provisioner\n    workspaces: all\n  - name: ops\n    workspaces: {runtimes: [crewai]}\n    may: [recover, rollback, force]\n',
  );
  const ask =
    (name: string, ability: 'recover' | 'diagnose' | 'rollback', force = false) =>
    () =>
      checkClient(policy, { name }, { ability, force, target: 'ws-92f6d88b-6a9', workspace: row });

  it('defaults `may` to recover and diagnose, and needs no repos', () => {
    expect(policy.policy.repos).toEqual([]);
    expect(policy.policy.clients[0]?.may).toEqual(['recover', 'diagnose']);
    expect(describePolicy(policy.policy)).toContain(
      'API client provisioner: recover, diagnose on every workspace',
    );
  });

  it('grants what `may` lists, on the selected workspaces, to a listed client only', () => {
    expect(ask('Provisioner', 'recover')).not.toThrow();
    expect(ask('provisioner', 'diagnose')).not.toThrow();
    expect(ask('provisioner', 'rollback')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    expect(ask('provisioner', 'recover', true)).toThrow(/not force/);
    expect(ask('ops', 'rollback')).toThrow(expect.objectContaining({ code: 'WORKSPACE_NOT_GRANTED' }));
    expect(ask('stranger', 'recover')).toThrow(expect.objectContaining({ code: 'CLIENT_NOT_GRANTED' }));
    expect(() =>
      checkClient(
        null,
        { name: 'provisioner' },
        { ability: 'recover', force: false, target: 'x', workspace: row },
      ),
    ).toThrow(expect.objectContaining({ code: 'CLIENT_NOT_GRANTED' }));
  });

  it('refuses two clients of one name, a bad name and an unknown ability', () => {
    expect(() =>
      parsePolicy('clients:\n  - {name: a, workspaces: all}\n  - {name: A, workspaces: all}\n'),
    ).toThrow(/two clients have the same name/);
    expect(() => parsePolicy('clients:\n  - {name: "a b", workspaces: all}\n')).toThrow(/clients\.0\.name/);
    expect(() => parsePolicy('clients:\n  - {name: a, workspaces: all, may: [delete]}\n')).toThrow(
      /clients\.0\.may/,
    );
  });

  it('[voice] names every problem at once, each with its line', () => {
    const text =
      'repos:\n  - repo: acme\n    workspaces: all\n    permission: read\nclients:\n  - {name: "a b", workspaces: all}\n';
    expect(() => parsePolicy(text)).toThrow(
      /^3 problems: policy repos\.0\.repo \(line 2, column 11: "- repo: acme"\): .+; policy repos\.0\.permission \(line 4, .+; policy clients\.0\.name \(line 6, .+$/,
    );
  });

  it('[voice] a YAML error says where, without a dangling colon; a .json file is read as JSON', () => {
    expect(() => parsePolicy('repos:\n  - repo: acme/x\n   workspaces: [all\n')).toThrow(
      /^the policy is not valid YAML at line \d+, column \d+ \(".*"\): .*[^:]$/,
    );
    expect(() => parsePolicy('{"repos": [{"repo": "acme/x", "workspaces": "all"}', 'json')).toThrow(
      /^the policy is not valid JSON: /,
    );
    expect(parsePolicy('{"repos": [{"repo": "acme/x", "workspaces": "all"}]}', 'json').repos).toHaveLength(1);
    expect(formatOf('policy.JSON')).toBe('json');
    expect(formatOf('policy.yml')).toBe('yaml');
  });
});
