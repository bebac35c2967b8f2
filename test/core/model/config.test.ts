// Configuration from the environment: parsed once, a bad value named, secrets redacted.
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBudget } from '../../../src/core/model/config.js';
import type { InvalidConfigError } from '../../../src/core/model/errors.js';
import { redactSecrets, redactUrl } from '../../../src/core/model/redact.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, '/pkg/templates');
    expect(c).toMatchObject({
      databaseUrl: undefined,
      configsDir: '/pkg/templates',
      leaseTtlS: 15,
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

  it('reports every bad setting at once, each named, and where they are all described', () => {
    let error: unknown;
    try {
      loadConfig({ MEDIC_STOP_TIMEOUT_S: 'soon', MEDIC_RESTART_BUDGET: 'lots', MEDIC_RETENTION: '-1' }, '/t');
    } catch (e) {
      error = e;
    }
    const e = error as InvalidConfigError;
    expect(e.code).toBe('INVALID_CONFIG');
    for (const name of ['MEDIC_STOP_TIMEOUT_S', 'MEDIC_RESTART_BUDGET', 'MEDIC_RETENTION'])
      expect(e.message).toContain(`${name} is invalid`);
    expect(e.hint).toContain('docs/configuration.md');
  });

  it('[defaults] a lease renewed every third of its 15 s, whatever the stop and start timeouts; at least 6 s', () => {
    expect(loadConfig({}, '/t').leaseTtlS).toBe(15);
    expect(loadConfig({ MEDIC_START_TIMEOUT_S: '60' }, '/t').leaseTtlS).toBe(15);
    expect(() => loadConfig({ MEDIC_LEASE_TTL_S: '5' }, '/t')).toThrow(/MEDIC_LEASE_TTL_S is invalid/);
  });

  it('refuses DOCKER_HOST=tcp:// without TLS unless MEDIC_ALLOW_INSECURE_DOCKER=1', () => {
    expect(() => loadConfig({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, '/t')).toThrow(
      /DOCKER_HOST is invalid: is plain tcp/,
    );
    expect(() => loadConfig({ DOCKER_HOST: 'http://10.0.0.5:2375' }, '/t')).toThrow(/DOCKER_HOST/);
    expect(
      loadConfig({ DOCKER_HOST: 'tcp://h:2375', MEDIC_ALLOW_INSECURE_DOCKER: '1' }, '/t').dockerHost,
    ).toBe('tcp://h:2375');
    const tls = loadConfig(
      { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      '/t',
    );
    expect(tls.dockerTls).toEqual({ certPath: '/certs' });
    expect(loadConfig({ DOCKER_HOST: 'unix:///run/docker.sock' }, '/t').dockerTls).toBeNull();
  });

  it('reads MEDIC_RETENTION as a duration', () => {
    expect(loadConfig({}, '/t').retentionMs).toBe(30 * 86_400_000);
    expect(loadConfig({ MEDIC_RETENTION: '12h' }, '/t').retentionMs).toBe(12 * 3_600_000);
    expect(() => loadConfig({ MEDIC_RETENTION: 'forever' }, '/t')).toThrow(/MEDIC_RETENTION/);
  });

  it('redacts a password in any form a connection string takes', () => {
    for (const url of [
      'postgres://app:s3cr3t-pw@db:5432/platform',
      'postgres://db:5432/platform?user=app&password=s3cr3t-pw',
      'postgresql://app@db/platform?sslmode=require&password=s3cr3t-pw',
    ])
      expect(redactUrl(url)).not.toContain('s3cr3t-pw');
    expect(redactSecrets('auth failed for s3cr3t-pw at db', ['s3cr3t-pw'])).toBe('auth failed for *** at db');
  });

  it('[contain] masks a password alone, even when it equals the scheme or the user', () => {
    for (const url of ['postgres://medic:medic@db:5432/medic', 'postgres://postgres:postgres@db/app']) {
      const secret = new URL(url).password;
      const shown = redactSecrets(`cannot use Postgres at ${redactUrl(url)}: refused`, [secret]);
      const u = new URL(url);
      // Everything but the password is shown as it is, so nothing hints at what the password was.
      expect(shown).toBe(
        `cannot use Postgres at ${u.protocol}//${u.username}:***@${u.host}${u.pathname}: refused`,
      );
    }
    // Elsewhere in the same line the secret is still masked.
    expect(redactSecrets('x postgres://medic:***@db/medic pw medic', ['medic'])).toBe(
      'x postgres://medic:***@db/medic pw ***',
    );
  });
});
