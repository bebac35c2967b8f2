// Target parsing (the platform's naming rule) and configuration parsing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBudget, redactUrl } from '../../src/core/model/config.js';
import { containerName, parseTarget, volumeName } from '../../src/core/model/names.js';

describe('names', () => {
  it('maps a uuid to ws-<first 12 chars> and its -configs volume', () => {
    const id = '92f6d88b-6a96-4e6a-875b-3cf866fa020a';
    expect(containerName(id)).toBe('ws-92f6d88b-6a9');
    expect(volumeName(id)).toBe('ws-92f6d88b-6a9-configs');
  });

  it('parses both forms of a target and round-trips any uuid', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        expect(parseTarget(id)).toMatchObject({ idPrefix: id, exact: true });
        expect(parseTarget(containerName(id))).toMatchObject({ idPrefix: id.slice(0, 12), exact: false });
      }),
    );
  });

  it('rejects anything else with INVALID_TARGET', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const t = s.trim().toLowerCase();
        fc.pre(!/^ws-[0-9a-f]{8}-[0-9a-f]{3}$/.test(t) && !/^[0-9a-f-]{36}$/.test(t));
        expect(() => parseTarget(s)).toThrow(expect.objectContaining({ code: 'INVALID_TARGET' }));
      }),
    );
  });
});

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/pkg/templates');
    expect(c).toMatchObject({
      databaseUrl: undefined,
      configsDir: '/pkg/templates',
      leaseTtlS: 300,
      restartBudget: { max: 3, windowMs: 3_600_000 },
    });
    expect(c.dataDir.endsWith('.medic')).toBe(true);
  });

  it.each([
    ['MEDIC_LEASE_TTL_S', '-1'],
    ['MEDIC_LEASE_TTL_S', 'soon'],
    ['MEDIC_RESTART_BUDGET', 'three'],
    ['DATABASE_URL', 'mysql://x'],
    ['DOCKER_HOST', 'ssh://box'],
  ])('names %s when its value %j is bad', (name, value) => {
    expect(() => loadConfig({ [name]: value }, '/t')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(name) }),
    );
  });

  it('parses restart budgets', () => {
    expect(parseBudget('5/30m')).toMatchObject({ max: 5, windowMs: 1_800_000 });
    expect(parseBudget('1/2d')).toMatchObject({ max: 1, windowMs: 172_800_000 });
    expect(parseBudget('5 per hour')).toBeNull();
  });

  it('never shows a password', () => {
    expect(redactUrl('postgres://medic:s3cret@db:5432/x')).toBe('postgres://medic:***@db:5432/x');
    expect(redactUrl('not a url')).not.toContain('not a url');
  });
});
