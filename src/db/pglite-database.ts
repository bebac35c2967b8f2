// The `Database` port over PGlite, the embedded default when DATABASE_URL is unset. PGlite
// is one in-process connection that queues statements itself, so a "session" is the database
// itself; its leases fall back to the TTL since there is no other session to outlive.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from '../core/index.js';

export async function openPgliteDatabase(dataDir: string): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir);
  const port: Queryable = {
    async query(sql, params) {
      const result = await db.query(sql, params ? [...params] : undefined);
      return { rows: result.rows };
    },
  };
  return { ...port, session: (fn) => fn(port), close: () => db.close() };
}
