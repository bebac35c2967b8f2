// A real Postgres in process (PGlite, in memory) with medic's schema, for unit tests: the SQL
// of leases and audit runs for real, with no server. One per test file; `reset` between tests.
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from '../../src/core/model/ports.js';
import { migrate } from '../../src/db/migrations.js';

export interface MemoryDb extends Database {
  reset(): Promise<void>;
  one<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
}

export async function memoryDb(): Promise<MemoryDb> {
  const pg = await PGlite.create();
  // As medic's own sessions do (src/db/pglite-database.ts): each run that ends is sealed.
  await pg.exec("SET medic.trail = 'on'");
  const port: Queryable = {
    query: async (sql, params) => ({ rows: (await pg.query(sql, params ? [...params] : undefined)).rows }),
  };
  const db: MemoryDb = {
    ...port,
    session: (fn) => fn(port),
    close: () => pg.close(),
    // Every table medic has (a table added later is emptied too, without a list to keep), and
    // the platform's; the schema's version stays.
    reset: async () => {
      const { rows } = await pg.query<{ t: string }>(
        "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'medic' AND tablename <> 'schema_version'",
      );
      await pg.exec(`TRUNCATE ${[...rows.map((r) => r.t), 'workspaces'].join(', ')} RESTART IDENTITY`);
    },
    one: async <T>(sql: string, params?: unknown[]) =>
      (await port.query(sql, params)).rows[0] as T | undefined,
  };
  await migrate(db);
  return db;
}
