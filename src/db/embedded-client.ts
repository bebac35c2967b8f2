// A medic process's side of the embedded database's holder (embedded-holder.ts): connects to
// the holder of MEDIC_DATA_DIR, starting one when none answers, and speaks to it through the
// same `Database` port as PGlite in this process would (one connection; a session is the
// connection itself; no LISTEN, so callers poll). When no holder can be had here (it is off,
// MEDIC_EMBEDDED_IDLE_S=0; medic runs from a bundle without it; the socket's path would be too
// long for the system) the caller opens PGlite itself.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Database,
  DatabaseInUseError,
  DatabaseUnavailableError,
  type MedicConfig,
  type Queryable,
  ReportedError,
} from '../core/index.js';
import { type HolderReply, type HolderRequest, SOCKET_FILE } from './embedded-holder.js';
import { readFrames, sendFrame } from './frames.js';

/** sun_path is 108 bytes on Linux (104 on macOS): a longer path cannot be a socket's. */
const MAX_SOCKET_PATH = 100;
/** How long a holder may take to start (PGlite's first open of a new directory runs initdb). */
const START_WAIT_MS = 30_000;

/** The embedded database through its holder; null when no holder can be had here. */
export async function openHeldDatabase(config: MedicConfig): Promise<Database | null> {
  if (config.embeddedIdleS === 0) return null;
  const script = holderScript();
  const file = path.join(config.dataDir, SOCKET_FILE);
  if (!script || file.length > MAX_SOCKET_PATH) return null;
  const connect = async () => (await attach(file)) ?? (await startHolder(script, config, file));
  return heldDatabase(await connect(), config.dataDir, connect);
}

/** The holder of `dataDir` if one listens there now (it is not started), else null. */
export async function attachHeld(dataDir: string): Promise<Database | null> {
  const socket = await attach(path.join(dataDir, SOCKET_FILE));
  return socket ? heldDatabase(socket, dataDir) : null;
}

/** lib/db/embedded-holder-main.js of this installation (built by `npm run build`), if it is there. */
function holderScript(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name !== 'workspace-medic')
        continue;
    } catch {
      continue;
    }
    const script = path.join(dir, 'lib', 'db', 'embedded-holder-main.js');
    return existsSync(script) ? script : null;
  }
  return null;
}

/**
 * A connection to the holder listening on `file`, or null when none answers there. It answers
 * one query first: a holder that is dying (killed a moment ago) may still take a connection.
 */
function attach(file: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(file);
    const fail = () => {
      socket.destroy();
      resolve(null);
    };
    socket.once('error', fail);
    socket.once('close', fail);
    socket.once('connect', () => {
      const stop = readFrames(socket, () => {
        stop();
        socket.off('error', fail);
        socket.off('close', fail);
        resolve(socket);
      });
      sendFrame(socket, { id: 0, sql: 'SELECT 1' } satisfies HolderRequest);
    });
  });
}

/** Starts a holder (detached: it outlives this process until idle) and connects to it. */
async function startHolder(script: string, config: MedicConfig, file: string): Promise<Socket> {
  const child = spawn(process.execPath, [script, config.dataDir, String(config.embeddedIdleS)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: process.env,
  });
  const said = await new Promise<string>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(''), START_WAIT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out.split('\n')[0] ?? '');
    });
  });
  child.stdout!.destroy();
  child.unref();
  if (said === 'ready') {
    const socket = await attach(file);
    if (socket) return socket;
  }
  const reported = parseReport(said);
  // Another process started a holder at the same moment: it is opening, or serves already.
  if (!reported || reported.code === 'DATABASE_IN_USE') {
    const byHolder = !reported || /being opened|`medic embedded-holder`/.test(reported.message);
    const until = Date.now() + (byHolder ? START_WAIT_MS : 0);
    for (;;) {
      const socket = await attach(file);
      if (socket) return socket;
      if (Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (reported)
      throw new DatabaseInUseError(reported.message, reported.hint ? { hint: reported.hint } : {});
    throw new DatabaseUnavailableError(`the embedded database's holder in ${config.dataDir} did not start`, {
      hint: 'run the command again; MEDIC_EMBEDDED_IDLE_S=0 opens the database in this process instead',
    });
  }
  throw new ReportedError(reported);
}

function parseReport(line: string): { code: string; message: string; hint: string | null } | null {
  try {
    const r = JSON.parse(line) as { code?: unknown; message?: unknown; hint?: unknown };
    return typeof r.code === 'string' && typeof r.message === 'string'
      ? { code: r.code, message: r.message, hint: typeof r.hint === 'string' ? r.hint : null }
      : null;
  } catch {
    return null;
  }
}

/**
 * The `Database` port over a connection to the holder. A holder that goes away (killed, or out
 * of memory) fails the queries under way (DATABASE_UNAVAILABLE, as any database blip); the next
 * query connects again through `reconnect` (a long-running process, `medic watch`, starts a new
 * holder and goes on), or, when there is none, keeps failing with that error.
 */
function heldDatabase(
  first: Socket,
  dataDir: string,
  reconnect: (() => Promise<Socket>) | null = null,
): Database {
  const link = new HolderLink(`the embedded database in ${dataDir}`, first, reconnect);
  const port: Queryable = { where: link.where, query: (sql, params) => link.query(sql, params) };
  return { ...port, session: (fn) => fn(port), close: () => link.close() };
}

// The connection to the holder: each query framed with an id, its reply matched back to it.
class HolderLink {
  private readonly pending = new Map<
    number,
    { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }
  >();
  private next = 1;
  private socket: Socket | null = null;
  private closed: Promise<void> = Promise.resolve();
  private closing = false;
  private connecting: Promise<Socket> | null = null;

  constructor(
    readonly where: string,
    first: Socket,
    private readonly reconnect: (() => Promise<Socket>) | null,
  ) {
    this.use(first);
  }

  async query(sql: string, params?: readonly unknown[]): Promise<{ rows: unknown[] }> {
    const s = await this.connected();
    const id = this.next++;
    const request: HolderRequest = params ? { id, sql, params: [...params] } : { id, sql };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (rows) => resolve({ rows }), reject });
      sendFrame(s, request);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket?.end();
    await this.closed;
  }

  private gone(): DatabaseUnavailableError {
    return new DatabaseUnavailableError(`${this.where}: its holder went away`, {
      hint: 'run the command again (it starts a new holder)',
    });
  }

  private use(s: Socket): void {
    this.socket = s;
    this.closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    readFrames(s, (message) => {
      const reply = message as HolderReply;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if ('error' in reply) waiting.reject(rebuilt(reply.error));
      else waiting.resolve(reply.rows);
    });
    s.on('error', () => undefined); // its close follows
    s.once('close', () => {
      if (this.socket === s) this.socket = null;
      const error = this.gone();
      for (const w of this.pending.values()) w.reject(error);
      this.pending.clear();
    });
  }

  private async connected(): Promise<Socket> {
    if (this.socket) return this.socket;
    if (this.closing || !this.reconnect) throw this.gone();
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = null;
    });
    const s = await this.connecting;
    if (this.socket !== s) this.use(s);
    return s;
  }
}

/** A query's error as the holder reported it: its message, with its SQLSTATE code and details. */
function rebuilt(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message ?? 'query failed'));
  Object.assign(error, fields);
  return error;
}
