// [defaults] An older medic refuses a database a newer one migrated: every process (here the
// CLI's recover and migrate) stops with INVALID_CONFIG naming both versions and what to do,
// changing nothing, and `medic doctor` says the same instead of advising `medic migrate`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaVersion } from '../../src/db/migrations.js';

const SCHEMA_VERSION = schemaVersion();

import { type TestWorld, testWorld } from '../helpers/services.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
let world: TestWorld;

beforeAll(async () => {
  world = await testWorld();
  await world.db.query('INSERT INTO medic.schema_version (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
}, 60_000);
afterAll(() => world?.close());

const medic = (args: string[]) =>
  promisify(execFile)('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: world.url, NO_COLOR: '1' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

describe('a database newer than this medic', () => {
  it('is refused by every command, naming both versions, and doctor says so', async () => {
    const ws = await world.broken();
    for (const args of [['recover', ws.container], ['migrate']]) {
      const r = await medic(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toContain(`INVALID_CONFIG`);
      // (The test server's password is "medic", so the output masks that word wherever it is.)
      expect(r.out).toMatch(
        new RegExp(`version ${SCHEMA_VERSION + 1}, newer than this \\S+'s ${SCHEMA_VERSION}`),
      );
      expect(r.out).toMatch(/hint: upgrade \S+ on this host/);
    }
    expect(await world.ls(ws.volume)).toEqual([]);
    const doctor = await medic(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(new RegExp(`newer than this \\S+'s ${SCHEMA_VERSION}`));
    expect(doctor.out).not.toMatch(/run \S+ migrate/);
    const { rows } = await world.db.query('SELECT max(version)::int AS v FROM medic.schema_version');
    expect(rows).toEqual([{ v: SCHEMA_VERSION + 1 }]);
  }, 60_000);
});
