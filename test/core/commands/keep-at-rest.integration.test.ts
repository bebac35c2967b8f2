// [keep] Encrypted at rest, on the real engine and Postgres: with MEDIC_DATA_KEY set, a canary
// secret the user wrote into a workspace's config (kept in a last good copy, then in the
// snapshot of its broken volume) appears nowhere in a pg_dump of the database nor in the log,
// while the recovery restores it and a rollback brings the broken state back. Without the key,
// the same dump holds it (so the check can see it). The snapshot's sealed bytes are bound to
// their run: altered, audit verify names them; `medic keys rotate` moves every other row to a new
// key, and plaintext rows too.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/bootstrap/open-core.js';
import { verifyTrail } from '../../../src/core/commands/audit.js';
import { keepChores } from '../../../src/core/commands/keep.js';
import { rotateKeys } from '../../../src/core/commands/keys.js';
import { recover } from '../../../src/core/commands/recover.js';
import { rollback } from '../../../src/core/commands/rollback.js';
import { newDataKey } from '../../../src/core/model/data-cipher.js';
import type { CoreDeps } from '../../../src/core/model/deps.js';
import { systemClock } from '../../../src/core/model/ports.js';
import { keyInventory } from '../../../src/core/store/sealed-rows.js';
import { packFiles } from '../../../src/docker/tar-write.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
const cli = { actor: 'itest', source: 'cli' } as const;
const log: string[] = [];
const firstKey = newDataKey();

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

/** deps with these settings, a debug log kept in `log`, and the clock `aheadMs` ahead. */
function depsWith(env: Record<string, string>, aheadMs = 0): CoreDeps {
  const logger = createLogger({ LOG_LEVEL: 'debug' }, { write: (line: string) => log.push(line) });
  return {
    ...world.deps(env),
    logger,
    clock: { ...systemClock, now: () => new Date(Date.now() + aheadMs) },
  };
}

async function dump(): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', world.url], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/**
 * A workspace whose user wrote `canary` into config.yaml and notes.txt, kept in a last good
 * copy; the volume then lost config.yaml (notes.txt, canary and all, is still there: the
 * snapshot holds it) and the row says failed; recovered, config.yaml filled in from the copy.
 */
async function canaryRecovery(env: Record<string, string>, canary: string) {
  const ws = await world.broken();
  expect((await recover(depsWith(env), ws.container, cli)).outcome).toBe('recovered');
  const good = `${await world.cat(ws.volume, 'config.yaml')}api_token: ${canary}\n`;
  const notes = { path: 'notes.txt', content: Buffer.from(`staging token ${canary}\n`), mode: 0o600 };
  const put = async (files: Parameters<typeof packFiles>[0]) =>
    world.docker
      .getContainer(ws.container)
      .putArchive(await packFiles(files, new Date()), { path: '/configs' });
  await put([{ path: 'config.yaml', content: Buffer.from(good), mode: 0o600 }, notes]);
  const owns = async (cs: string[]) => new Set(cs.filter((c) => c === ws.container));
  const kept = await keepChores(depsWith(env, 11 * 60_000), { takenBy: 'medic-watch', owns });
  expect(kept.stored).toBe(1);
  await world.empty(ws.volume);
  await put([notes]);
  await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1::uuid", [ws.id]);
  const result = await recover(depsWith(env), ws.container, cli);
  expect(result.error).toBeNull();
  expect(result.outcome).toBe('recovered');
  expect(result.restore?.files.find((f) => f.path === 'config.yaml')).toMatchObject({
    action: 'added',
    from: 'last_good',
  });
  expect(result.snapshot).not.toBeNull();
  // The result is what every door says (the comment, the API's answer, the notification's payload).
  expect(JSON.stringify(result)).not.toContain(canary);
  expect(await world.cat(ws.volume, 'config.yaml')).toBe(good);
  return { ws, runId: result.runId };
}

const forms = (canary: string) => [canary, Buffer.from(canary).toString('hex')];

describe('snapshots and last good copies at rest', () => {
  it('with MEDIC_DATA_KEY: the canary is in no dump and no log, yet restored and rolled back', async () => {
    const key = firstKey;
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    log.length = 0;
    const { ws, runId } = await canaryRecovery({ MEDIC_DATA_KEY: key }, canary);
    const dumped = await dump();
    expect(dumped).toContain(runId); // the dump is this database's
    for (const form of forms(canary)) {
      expect(dumped).not.toContain(form);
      expect(log.join('')).not.toContain(form);
    }
    expect(log.join('')).not.toContain(key);
    const counts = await keyInventory(world.db);
    expect(counts.filter((c) => c.keyId === null)).toEqual([]);

    // A rollback opens the snapshot: the volume as it was broken (notes.txt alone) is back.
    const back = await rollback(depsWith({ MEDIC_DATA_KEY: key }), runId, cli);
    expect(back.outcome).toBe('recovered');
    expect(await world.ls(ws.volume)).toEqual(['notes.txt']);
    expect(await world.cat(ws.volume, 'notes.txt')).toBe(`staging token ${canary}\n`);
    // Without the key it cannot, and says which key it needs.
    const without = await rollback(depsWith({ MEDIC_DATA_KEY: newDataKey() }), runId, cli);
    expect(without.error?.code).toBe('INVALID_CONFIG');
    expect(without.error?.message).toMatch(
      /encrypted under key k[0-9a-f]{16}, which MEDIC_DATA_KEY does not hold/,
    );

    // Sealed bytes altered by hand: audit verify names the snapshot.
    expect((await verifyTrail(depsWith({ MEDIC_DATA_KEY: key }))).ok).toBe(true);
    await world.db.query(
      "UPDATE medic.snapshots SET tar = overlay(tar placing '\\x00'::bytea from 40 for 1) WHERE run_id = $1::uuid",
      [runId],
    );
    const report = await verifyTrail(depsWith({ MEDIC_DATA_KEY: key }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'snapshot', runId }));
    // A rotation to a new key moves everything else and launders nothing: the altered one stays.
    const rotated = await rotateKeys(depsWith({ MEDIC_DATA_KEY: `${newDataKey()},${key}` }));
    expect(rotated).toMatchObject({ altered: 1, missingKeys: [] });
    const left = (await keyInventory(world.db)).filter((c) => c.keyId !== rotated.keyId);
    expect(left.map((c) => `${c.table} ${c.keyId} ${c.rows}`)).toEqual([`snapshots ${counts[0]?.keyId} 1`]);
  });

  it('without a key the same dump holds the canary; keys rotate seals every row under a new key', async () => {
    // A database of its own: the first test's blobs, shared by content, are sealed under its key.
    const first = world;
    world = await testWorld();
    try {
      const canary = `canary-${randomBytes(12).toString('hex')}`;
      const { runId } = await canaryRecovery({}, canary);
      expect(await dump()).toContain(Buffer.from(canary).toString('hex'));

      const key = newDataKey();
      const rotated = await rotateKeys(depsWith({ MEDIC_DATA_KEY: key }));
      expect(rotated).toMatchObject({ altered: 0, missingKeys: [] });
      expect(rotated.moved).toBeGreaterThan(0);
      expect((await keyInventory(world.db)).filter((c) => c.keyId !== rotated.keyId)).toEqual([]);
      expect(await dump()).not.toContain(Buffer.from(canary).toString('hex'));
      const back = await rollback(depsWith({ MEDIC_DATA_KEY: key }), runId, cli);
      expect(back.outcome).toBe('recovered');
    } finally {
      await world.close();
      world = first;
    }
  });
});
