// [voice] The embedded database's holder serves several medic processes on one PGlite: what a
// query returns arrives as PGlite gave it (dates, bytes of a snapshot), a query's error keeps
// its SQLSTATE, a client's open transaction is its own until it ends (others' statements wait),
// and a client gone mid-transaction has it rolled back. Idle, the holder closes the database
// and lets go of the directory.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, loadConfig } from '../../src/core/index.js';
import { attachHeld, openHeldDatabase } from '../../src/db/embedded-client.js';
import { holdEmbedded } from '../../src/db/embedded-holder.js';
import { TEMPLATES } from '../helpers/core-deps.js';

let dataDir: string;
let holder: Awaited<ReturnType<typeof holdEmbedded>>;
const clients: Database[] = [];

async function client(): Promise<Database> {
  const db = await attachHeld(dataDir);
  if (!db) throw new Error('no holder listens');
  clients.push(db);
  return db;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'medic-holder-'));
  holder = await holdEmbedded(dataDir, 60_000);
  const a = await client();
  await a.query('CREATE TABLE t (n int PRIMARY KEY, at timestamptz, b bytea)');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await holder?.stop();
});

describe('the embedded database holder', () => {
  it('returns dates and bytes as they are, and errors with their SQLSTATE', async () => {
    const a = await client();
    const at = new Date('2026-12-06T10:00:00.000Z');
    await a.query('INSERT INTO t VALUES ($1, $2, $3)', [1, at, Buffer.from([0, 1, 255])]);
    const { rows } = await a.query('SELECT at, b FROM t WHERE n = 1');
    const row = rows[0] as { at: Date; b: Uint8Array };
    expect(row.at).toEqual(at);
    expect([...row.b]).toEqual([0, 1, 255]);
    await expect(a.query('INSERT INTO t (n) VALUES (1)')).rejects.toMatchObject({ code: '23505' });
  });

  it("keeps a client's transaction to itself: another client's statements wait for its end", async () => {
    const [a, b] = [await client(), await client()];
    await a.query('BEGIN');
    await a.query('INSERT INTO t (n) VALUES (2)');
    // Run inside a's transaction (one backend serves both), b would see the row a then rolls back.
    const seen = b.query('SELECT n FROM t WHERE n = 2');
    await a.query('ROLLBACK');
    expect((await seen).rows).toEqual([]);
  });

  it('rolls back the transaction of a client that goes away, and serves the others', async () => {
    const [a, b] = [await client(), await client()];
    await a.query('BEGIN');
    await a.query('INSERT INTO t (n) VALUES (3)');
    const waiting = b.query('SELECT count(*)::int AS n FROM t WHERE n = 3');
    await a.close();
    expect((await waiting).rows).toEqual([{ n: 0 }]);
  });

  it('once idle, closes the database and lets go of the directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-holder-'));
    const idle = await holdEmbedded(dir, 300);
    const c = await attachHeld(dir);
    await c!.query('SELECT 1');
    expect(JSON.parse(await readFile(path.join(dir, 'medic.pid'), 'utf8'))).toMatchObject({
      command: 'embedded-holder',
    });
    await c!.close();
    await idle.done; // 300 ms after its last client left
    await expect(readFile(path.join(dir, 'medic.pid'))).rejects.toThrow(/ENOENT/);
    expect(await attachHeld(dir)).toBeNull();
  }, 30_000);

  it('a holder killed under a long-running process: the queries under way fail, the next starts a new holder', async () => {
    // (lib/db/embedded-holder-main.js, as `npm run build` makes it; the idle time shortened
    // from 120 s only so that the holder does not outlive the test.)
    const dir = await mkdtemp(path.join(tmpdir(), 'medic-holder-'));
    const config = loadConfig({ MEDIC_DATA_DIR: dir, MEDIC_EMBEDDED_IDLE_S: '3' }, TEMPLATES);
    const db = await openHeldDatabase(config);
    if (!db) throw new Error('no holder: run `npm run build` first');
    clients.push(db);
    await db.query('CREATE TABLE kept (n int)');
    await db.query('INSERT INTO kept VALUES (1)');
    const first = JSON.parse(await readFile(path.join(dir, 'medic.pid'), 'utf8')) as { pid: number };
    const under = db.query('SELECT pg_sleep(5)');
    process.kill(first.pid, 'SIGKILL');
    await expect(under).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((await db.query('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
    const second = JSON.parse(await readFile(path.join(dir, 'medic.pid'), 'utf8')) as { pid: number };
    expect(second.pid).not.toBe(first.pid);
  }, 60_000);
});
