// Chooses the database from the configuration: Postgres at DATABASE_URL, else the embedded
// PGlite under MEDIC_DATA_DIR (through its holder, or in this process when there is none),
// and brings medic's schema up to date.
import type { Database, Logger, MedicConfig } from '../core/index.js';
import { openHeldDatabase } from './embedded-client.js';
import { migrate } from './migrations.js';
import { openPgDatabase } from './pg-database.js';
import { openPgliteDatabase } from './pglite-database.js';

export async function openDatabase(
  config: MedicConfig,
  logger: Logger,
  options: { poolSize?: number } = {},
): Promise<Database> {
  const db = config.databaseUrl
    ? openPgDatabase(config.databaseUrl, logger, options.poolSize)
    : ((await openHeldDatabase(config)) ?? (await openPgliteDatabase(config.dataDir)));
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}
