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
  const port: Queryable = {
    query: async (sql, params) => ({ rows: (await pg.query(sql, params ? [...params] : undefined)).rows }),
  };
  const db: MemoryDb = {
    ...port,
    session: (fn) => fn(port),
    close: () => pg.close(),
    reset: async () => {
      await pg.exec(
        'TRUNCATE medic.step_events, medic.runs, medic.leases, medic.snapshots, medic.jobs, medic.policies, medic.commands, medic.refusals, medic.action_comments, workspaces',
      );
    },
    one: async <T>(sql: string, params?: unknown[]) =>
      (await port.query(sql, params)).rows[0] as T | undefined,
  };
  await migrate(db);
  return db;
}
