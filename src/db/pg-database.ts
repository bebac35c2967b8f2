// The `Database` port over node-postgres: a small pool for plain queries, a dedicated client
// for a session (a run's lease lock lives no longer than its session), and a client of its own
// for each LISTEN.
import pg from 'pg';
import type { Database, Logger, Queryable } from '../core/index.js';
import { DatabaseUnavailableError, redactUrl } from '../core/index.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
  '3D000',
  '28P01',
  '28000',
]);

/** What node-postgres says, without a code, of a client whose connection has ended. */
const ENDED = /Connection terminated|connection error and is not queryable|Client was closed/;

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return CONNECTION_CODES.has(code);
  return error instanceof Error && ENDED.test(error.message);
}

export function openPgDatabase(url: string, logger: Logger, max = 4): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // medic's own sessions seal each run that ends (migrations/0011-contain.sql); a row
    // written by hand is not sealed, and `medic audit verify` names it.
    options: '-c medic.trail=on',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener it would crash us.
  pool.on('error', (error) => logger.warn({ err: error.message }, 'postgres connection lost'));
  // A checked-out client that loses its server emits 'error' on itself; one listener per client.
  pool.on('connect', (client) =>
    client.on('error', (error) => logger.warn({ err: error.message }, 'postgres session lost')),
  );
  const shown = redactUrl(url);
  const wrap = <T>(fn: () => Promise<T>) => coded(shown, fn);
  return {
    where: `Postgres at ${shown}`,
    query: (sql, params) => wrap(() => pool.query(sql, params as unknown[] | undefined)),
    async session(fn) {
      const client = await wrap(() => pool.connect());
      const session: Queryable = {
        query: (sql, params) => wrap(() => client.query(sql, params as unknown[] | undefined)),
      };
      try {
        return await fn(session);
      } finally {
        // Back to the pool only once it provably holds nothing (DISCARD ALL ends every advisory
        // lock, a run's lease lock among them, and fails inside a transaction left open); a
        // session that cannot say so is closed, and whatever it held ends with it. Reused, the
        // next run or query is spared a connection and its SCRAM exchange (~7 ms here).
        const clean = await client.query('DISCARD ALL').then(
          () => true,
          () => false,
        );
        client.release(!clean);
      }
    },
    close: () => pool.end(),
    // pg-pool reads `max` whenever it decides whether it may open another connection.
    reserve: (sessions) => {
      const options = (pool as unknown as { options: { max: number } }).options;
      options.max = Math.max(options.max, sessions + 4);
    },
    listen: (channel, onNotify) => listen(url, shown, logger, channel, onNotify),
  };
}

// A call to the server, its connection failures said as DATABASE_UNAVAILABLE with what to do.
async function coded<T>(shown: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
      throw new DatabaseUnavailableError(
        `no connection to Postgres at ${shown} came free within 5 s: every one of the pool's is in use`,
        {
          hint: "lower --concurrency (each recovery holds one session), or raise the server's max_connections",
          cause: error,
        },
      );
    }
    if (isConnectionError(error)) {
      throw new DatabaseUnavailableError(`cannot use Postgres at ${shown}: ${(error as Error).message}`, {
        hint: 'check that the server is up and DATABASE_URL is right',
        cause: error,
      });
    }
    throw error;
  }
}

// One connection of its own that LISTENs on `channel`; a dropped one comes back, and until it
// does, its callers poll as they always do. Resolves to what stops it.
async function listen(
  url: string,
  shown: string,
  logger: Logger,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  const again = () => {
    if (!stopped) setTimeout(() => void connect().catch(again), 1_000).unref();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    c.on('notification', (m) => {
      if (m.channel === channel) onNotify(m.payload ?? '');
    });
    c.on('error', (error) => logger.warn({ err: error.message, channel }, 'postgres listener lost'));
    try {
      await coded(shown, () => c.connect());
      await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
    } catch (error) {
      await c.end().catch(() => undefined);
      throw error;
    }
    // Stopped while this connection was being made (a reconnect): closed, or it would keep the
    // process from exiting.
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    c.once('end', () => {
      if (client === c) again();
    });
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => undefined);
  };
}
