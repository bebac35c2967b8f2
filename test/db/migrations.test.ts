// medic's migrations are numbered SQL files with a checksum each: applied in order, recorded
// with their checksum, a changed applied file refused (changing nothing), a database migrated
// before checksums were kept given them, a new file applied on top.
import { appendFile, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, readMigrations, splitStatements } from '../../src/db/migration-files.js';
import { migrate, schemaVersion } from '../../src/db/migrations.js';
import { type MemoryDb, memoryDb } from '../helpers/memory-db.js';

describe('splitStatements', () => {
  it("splits at each ';' outside strings, quoted names, dollar-quoted bodies and comments", () => {
    const sql = `-- a comment; with a semicolon
CREATE TABLE t (a text DEFAULT 'x;y', "b;c" int);
/* block; comment */
CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN $1 + 1; -- inside the body
END
$$;
CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $fn$ SELECT 'it''s; $$ fine' $fn$;
-- only a comment after the last statement;
`;
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(
      /^-- a comment; with a semicolon\nCREATE TABLE t \(a text DEFAULT 'x;y', "b;c" int\)$/,
    );
    expect(statements[1]).toContain('RETURN $1 + 1; -- inside the body\nEND\n$$');
    expect(statements[2]).toBe(
      "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $fn$ SELECT 'it''s; $$ fine' $fn$",
    );
  });
});

describe('the migration files', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'medic-migrations-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('are numbered 1, 2, 3, … in the package, each with a sha256', async () => {
    const files = readMigrations();
    expect(files.map((f) => f.version)).toEqual(files.map((_, i) => i + 1));
    expect(files.map((f) => f.name)).toEqual((await readdir(migrationsDir())).sort());
    for (const f of files) expect(f.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(schemaVersion()).toBe(files.length);
  });

  it('refuse a gap in the numbers, naming the file', async () => {
    const dir = path.join(scratch, 'gap');
    await cp(migrationsDir(), dir, { recursive: true });
    await writeFile(path.join(dir, '0099-late.sql'), 'SELECT 1;\n');
    expect(() => readMigrations(dir)).toThrow(/0099-late\.sql is out of sequence/);
  });
});

describe('migrate', () => {
  let db: MemoryDb;
  let scratch: string;
  beforeAll(async () => {
    db = await memoryDb();
    scratch = await mkdtemp(path.join(tmpdir(), 'medic-migrations-'));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const recorded = async () =>
    (await db.query('SELECT version, name, checksum FROM medic.schema_version ORDER BY version')).rows;

  it('records every file it applied with its name and checksum, and a second run changes nothing', async () => {
    const files = readMigrations();
    const expected = files.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum }));
    expect(await recorded()).toEqual(expected);
    expect(await migrate(db)).toEqual({ from: files.length, to: files.length, createdWorkspaces: false });
    expect(await recorded()).toEqual(expected);
  });

  it('refuses a file changed after it was applied, naming it, and changes nothing', async () => {
    const dir = path.join(scratch, 'changed');
    await cp(migrationsDir(), dir, { recursive: true });
    await appendFile(
      path.join(dir, '0007-least-privilege.sql'),
      '\nCREATE TABLE medic.sneaked_in (a int);\n',
    );
    const before = await recorded();
    const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(
        /^migration 0007-least-privilege\.sql was changed after this database applied it/,
      ),
      hint: expect.stringContaining('a new numbered file'),
    });
    expect(await recorded()).toEqual(before);
    expect((await db.query("SELECT to_regclass('medic.sneaked_in') IS NULL AS gone")).rows).toEqual([
      { gone: true },
    ]);
  });

  it('applies a new file on top, recorded with its checksum', async () => {
    const dir = path.join(scratch, 'added');
    await cp(migrationsDir(), dir, { recursive: true });
    const next = String(schemaVersion() + 1).padStart(4, '0');
    await writeFile(
      path.join(dir, `${next}-later.sql`),
      '-- a later change\nCREATE TABLE medic.later (a int);\n',
    );
    const files = readMigrations(dir);
    expect(await migrate(db, files)).toEqual({
      from: files.length - 1,
      to: files.length,
      createdWorkspaces: false,
    });
    expect((await recorded()).at(-1)).toEqual({
      version: files.length,
      name: `${next}-later.sql`,
      checksum: files.at(-1)!.checksum,
    });
    // A medic that does not know that file now refuses the database as newer than itself.
    await expect(migrate(db)).rejects.toThrow(/newer than this medic's/);
    await db.query('DROP TABLE medic.later');
    await db.query('DELETE FROM medic.schema_version WHERE version = $1', [files.length]);
  });

  it('gives a database migrated before checksums were kept the checksums of the files as they are', async () => {
    await db.query('ALTER TABLE medic.schema_version DROP COLUMN name, DROP COLUMN checksum');
    const files = readMigrations();
    expect(await migrate(db)).toEqual({ from: files.length, to: files.length, createdWorkspaces: false });
    expect(await recorded()).toEqual(
      files.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum })),
    );
  });
});
