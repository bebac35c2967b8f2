// The embedded database's holder: one background process per data directory keeps PGlite open
// and serves every medic process on that directory, so that a command pays for a connection,
// not for starting Postgres (about a second), and two processes (a watcher, a demo) share one
// database instead of each running its own Postgres on the same files.
//
// It holds the directory's lock (data-dir-lock.ts) for as long as it runs, listens on a Unix
// socket inside the directory (0700, its owner's only), answers each query in turn, and keeps
// a client's transaction to itself: while one is open, other clients' statements wait (as
// pglite-socket does). It exits after MEDIC_EMBEDDED_IDLE_S with no client, or on SIGTERM,
// closing PGlite cleanly. Its process is embedded-holder-main.ts, which embedded-client.ts starts.
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { readFrames, sendFrame } from './frames.js';
import { openPglite } from './pglite-database.js';

export const SOCKET_FILE = 'medic.sock';

export interface HolderRequest {
  readonly id: number;
  readonly sql: string;
  readonly params?: readonly unknown[];
}
export type HolderReply =
  | { readonly id: number; readonly rows: unknown[] }
  | { readonly id: number; readonly error: Record<string, unknown> };

interface Waiting {
  readonly client: Socket;
  readonly request: HolderRequest;
}

/** Serves `dataDir` until idle for `idleMs` or told to stop; resolves once it listens. */
export async function holdEmbedded(
  dataDir: string,
  idleMs: number,
): Promise<{ readonly done: Promise<void>; readonly stop: () => Promise<void> }> {
  const { db, close } = await openPglite(dataDir, 'embedded-holder');
  const file = path.join(dataDir, SOCKET_FILE);
  await unlink(file).catch(() => undefined); // a socket left by a holder that died: ours now (we hold the lock)
  const queue: Waiting[] = [];
  const clients = new Set<Socket>();
  let owner: Socket | null = null; // the client whose transaction is open
  let pumping = false;
  let idle: NodeJS.Timeout | null = null;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        const i = owner ? queue.findIndex((w) => w.client === owner) : queue.length > 0 ? 0 : -1;
        if (i < 0) return;
        const [{ client, request }] = queue.splice(i, 1) as [Waiting];
        let reply: HolderReply;
        try {
          const result = await db.query(request.sql, request.params ? [...request.params] : undefined);
          reply = { id: request.id, rows: result.rows };
        } catch (error) {
          reply = { id: request.id, error: errorFields(error) };
        }
        owner = db.isInTransaction() ? client : null;
        if (!client.destroyed) sendFrame(client, reply);
      }
    } finally {
      pumping = false;
    }
  };

  const leave = async (client: Socket): Promise<void> => {
    clients.delete(client);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.client === client) queue.splice(i, 1);
    if (owner === client) {
      // Gone mid-transaction: what it began is undone, and the others go on.
      await db.query('ROLLBACK').catch(() => undefined);
      owner = null;
    }
    void pump();
    if (clients.size === 0) armIdle();
  };

  const server = createServer((client) => {
    clients.add(client);
    if (idle) clearTimeout(idle);
    idle = null;
    readFrames(client, (message) => {
      queue.push({ client, request: message as HolderRequest });
      void pump();
    });
    client.on('error', () => undefined); // a client killed mid-reply: its close follows
    client.on('close', () => void leave(client));
  });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.close();
    for (const c of clients) c.destroy();
    while (pumping) await new Promise((r) => setTimeout(r, 10));
    await close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
    finish();
  };
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => void stop(), idleMs);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  await chmod(file, 0o600);
  armIdle();
  return { done, stop };
}

/** A query's error as plain fields (message, SQLSTATE code, detail…), to be rebuilt by the client. */
function errorFields(error: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (error instanceof Error) {
    for (const [k, v] of Object.entries(error)) if (v === null || typeof v !== 'object') fields[k] = v;
    fields.name = error.name;
    fields.message = error.message;
  } else {
    fields.message = String(error);
  }
  return fields;
}
