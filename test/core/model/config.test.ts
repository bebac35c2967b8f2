// Configuration from the environment: parsed once, a bad value named, secrets redacted.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBudget, redactUrl } from '../../../src/core/model/config.js';

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
