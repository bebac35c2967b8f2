// medic's own schema (`medic`): the numbered SQL files of migrations/ (migration-files.ts),
// applied in order under an advisory lock so that many processes starting at once migrate
// exactly once, each recorded with its checksum; a file changed after it was applied is
// refused. The platform's `workspaces` table is created only where none exists (a demo or the
// embedded database), never altered.
import { z } from 'zod';
import { type Database, InvalidConfigError, type Queryable } from '../core/index.js';
import { type MigrationFile, readMigrations } from './migration-files.js';

const WORKSPACES = `CREATE TABLE workspaces (
  id uuid PRIMARY KEY, name text NOT NULL DEFAULT '', status text NOT NULL DEFAULT 'provisioning',
  runtime text NOT NULL DEFAULT 'claude-code', updated_at timestamptz NOT NULL DEFAULT now())`;

let files: readonly MigrationFile[] | undefined;
/** medic's migrations, read from migrations/ once per process. */
export function migrationFiles(): readonly MigrationFile[] {
  files ??= readMigrations();
  return files;
}

/** The version this medic brings a database to: its last migration's number. */
export function schemaVersion(): number {
  return migrationFiles().length;
}

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly createdWorkspaces: boolean;
}

/**
 * A database whose schema is newer than this code: a newer medic migrated it, and this one
 * would misread it (as Postgres refuses a data directory of a newer major version).
 */
export function newerSchemaError(version: number, known = schemaVersion()): InvalidConfigError {
  return new InvalidConfigError(
    `the database's medic schema is at version ${version}, newer than this medic's ${known}: a newer medic migrated it`,
    {
      hint: 'upgrade medic on this host (every process against one database runs the same version or newer)',
    },
  );
}

/** A migration file that differs from the one this database applied. */
export function changedMigrationError(file: MigrationFile, applied: string): InvalidConfigError {
  return new InvalidConfigError(
    `migration ${file.name} was changed after this database applied it (applied sha256 ${applied.slice(0, 12)}, the file now ${file.checksum.slice(0, 12)})`,
    {
      hint: 'restore the file as it was released (a change to the schema is a new numbered file in migrations/)',
    },
  );
}

interface Applied {
  readonly version: number;
  readonly checksum: string | null;
}

export async function migrate(db: Database, all = migrationFiles()): Promise<MigrationReport> {
  const found = await appliedMigrations(db);
  const at = settledVersion(found, all);
  if (at === all.length && found.every((a) => a.checksum !== null)) {
    return { from: at, to: at, createdWorkspaces: false };
  }
  return db.session(async (s) => {
    await s.query('BEGIN');
    try {
      const report = await migrateLocked(s, all);
      await s.query('COMMIT');
      return report;
    } catch (error) {
      await s.query('ROLLBACK');
      // A role that may not write medic's tables (an agent's) on a database already at this
      // version, migrated before checksums were kept: it runs; the owner's next start records them.
      if (at === all.length && (error as { code?: unknown }).code === '42501') {
        return { from: at, to: at, createdWorkspaces: false };
      }
      throw error;
    }
  });
}

// Inside the transaction, under the lock: what another process applied meanwhile is read again.
async function migrateLocked(s: Queryable, all: readonly MigrationFile[]): Promise<MigrationReport> {
  await s.query("SELECT pg_advisory_xact_lock(hashtext('workspace-medic:migrate'))");
  await s.query('CREATE SCHEMA IF NOT EXISTS medic');
  await s.query(
    'CREATE TABLE IF NOT EXISTS medic.schema_version (version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  await s.query(
    'ALTER TABLE medic.schema_version ADD COLUMN IF NOT EXISTS name text, ADD COLUMN IF NOT EXISTS checksum text',
  );
  const from = settledVersion(await appliedMigrations(s), all);
  // Versions applied before checksums were kept take the checksum of the file as it is now.
  for (const file of all.slice(0, from)) {
    await s.query(
      'UPDATE medic.schema_version SET name = $2, checksum = $3 WHERE version = $1 AND checksum IS NULL',
      [file.version, file.name, file.checksum],
    );
  }
  // The platform's table first: medic's functions that read it are checked as they are made.
  const { rows } = await s.query("SELECT to_regclass('workspaces') IS NULL AS missing");
  const missing = z.array(z.object({ missing: z.boolean() })).parse(rows)[0]?.missing ?? false;
  if (missing) await s.query(WORKSPACES);
  for (const file of all.slice(from)) {
    for (const statement of file.statements) await s.query(statement);
    await s.query('INSERT INTO medic.schema_version (version, name, checksum) VALUES ($1, $2, $3)', [
      file.version,
      file.name,
      file.checksum,
    ]);
  }
  return { from, to: all.length, createdWorkspaces: missing };
}

// The version a database is at, once its applied files are checked against these: newer than
// this medic knows, or an applied file changed, is refused.
function settledVersion(applied: readonly Applied[], all: readonly MigrationFile[]): number {
  const at = applied.reduce((v, a) => Math.max(v, a.version), 0);
  if (at > all.length) throw newerSchemaError(at, all.length);
  for (const a of applied) {
    const file = all[a.version - 1];
    if (file && a.checksum !== null && a.checksum !== file.checksum)
      throw changedMigrationError(file, a.checksum);
  }
  return at;
}

// The versions recorded (with their checksums where kept: a database migrated by an older
// medic has no such column, and `to_jsonb` reads it as null).
async function appliedMigrations(db: Queryable): Promise<Applied[]> {
  const exists = await db.query("SELECT to_regclass('medic.schema_version') IS NOT NULL AS e");
  if (!z.array(z.object({ e: z.boolean() })).parse(exists.rows)[0]?.e) return [];
  const { rows } = await db.query(
    "SELECT version, to_jsonb(v) ->> 'checksum' AS checksum FROM medic.schema_version v ORDER BY version",
  );
  return z.array(z.object({ version: z.coerce.number(), checksum: z.string().nullable() })).parse(rows);
}

/** The version of medic's schema in this database (0: never migrated). */
export async function currentVersion(db: Queryable): Promise<number> {
  return (await appliedMigrations(db)).reduce((v, a) => Math.max(v, a.version), 0);
}
