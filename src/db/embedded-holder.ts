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
import type { PGlite } from '@electric-sql/pglite';
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
  const holder = new Holder(db, idleMs, async () => {
    await close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    holder.server.once('error', reject);
    holder.server.listen(file, () => resolve());
  });
  await chmod(file, 0o600);
  holder.armIdle();
  return { done: holder.done, stop: () => holder.stop() };
}

// The one process that opens the data directory: every client's statements in the order they
// came, except that while one client's transaction is open only that client's run.
class Holder {
  readonly server = createServer((client) => this.accept(client));
  readonly done: Promise<void>;
  private readonly queue: Waiting[] = [];
  private readonly clients = new Set<Socket>();
  private owner: Socket | null = null; // the client whose transaction is open
  private pumping = false;
  private stopping = false;
  private idle: NodeJS.Timeout | null = null;
  private finish!: () => void;

  constructor(
    private readonly db: PGlite,
    private readonly idleMs: number,
    private readonly closeAll: () => Promise<void>,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
  }

  private accept(client: Socket): void {
    this.clients.add(client);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    readFrames(client, (message) => {
      this.queue.push({ client, request: message as HolderRequest });
      void this.pump();
    });
    client.on('error', () => undefined); // a client killed mid-reply: its close follows
    client.on('close', () => void this.leave(client));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const { queue, owner } = this;
        const i = owner ? queue.findIndex((w) => w.client === owner) : queue.length > 0 ? 0 : -1;
        if (i < 0) return;
        const [{ client, request }] = queue.splice(i, 1) as [Waiting];
        let reply: HolderReply;
        try {
          const result = await this.db.query(request.sql, request.params ? [...request.params] : undefined);
          reply = { id: request.id, rows: result.rows };
        } catch (error) {
          reply = { id: request.id, error: errorFields(error) };
        }
        this.owner = this.db.isInTransaction() ? client : null;
        if (!client.destroyed) sendFrame(client, reply);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async leave(client: Socket): Promise<void> {
    this.clients.delete(client);
    const { queue } = this;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.client === client) queue.splice(i, 1);
    if (this.owner === client) {
      // Gone mid-transaction: what it began is undone, and the others go on.
      await this.db.query('ROLLBACK').catch(() => undefined);
      this.owner = null;
    }
    void this.pump();
    if (this.clients.size === 0) this.armIdle();
  }

  armIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.idleMs);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.server.close();
    for (const c of this.clients) c.destroy();
    while (this.pumping) await new Promise((r) => setTimeout(r, 10));
    await this.closeAll();
    this.finish();
  }
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
