// The operator's policy file: validated with zod (a permission below write, an elevated below
// maintain, an unknown key are invalid), the first matching rule decides, `*` matches within a
// part of owner/name, and a selector's keys must all match.
import { describe, expect, it } from 'vitest';
import { describePolicy, parsePolicy, repoFits, selects } from '../../../src/core/index.js';

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
      /repos\.0\.permission: may not be below write/,
    ],
    [
      'repos:\n  - repo: acme/x\n    workspaces: all\n    elevated: write\n',
      /repos\.0\.elevated: may not be below maintain/,
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
    ]);
  });
});
