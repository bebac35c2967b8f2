// [keep] Snapshots and last good copies at rest: AES-256-GCM under the operator's key
// (MEDIC_DATA_KEY, 32 random bytes in base64). The setting may list older keys after the
// current one (`new,old`): new bytes are sealed under the first, and bytes sealed under any
// listed key can be read, so `medic keys rotate` can move them to the first. Each sealed value
// names its key by id (a digest of the key, never the key) and is bound to what it is (`aad`:
// the snapshot's run and digest, the blob's digest), so bytes moved to another row do not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sha256Digest } from './digest.js';
import { InvalidConfigError, SnapshotInvalidError } from './errors.js';

export interface DataKeys {
  /** The key new bytes are sealed under. */
  readonly currentId: string;
  readonly byId: ReadonlyMap<string, Buffer>;
}

/** Bytes as stored: plaintext (`keyId` null) or iv (12) ‖ tag (16) ‖ ciphertext under `keyId`. */
export interface StoredBytes {
  readonly keyId: string | null;
  readonly bytes: Buffer;
}

const IV = 12;
const TAG = 16;

export function keyIdOf(key: Buffer): string {
  return `k${createHash('sha256').update('workspace-medic data key\0').update(key).digest('hex').slice(0, 16)}`;
}

/** MEDIC_DATA_KEY: one or more keys, comma-separated, each 32 bytes in base64; the value is never echoed. */
export const dataKeySetting = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx): DataKeys | null => {
    if (!v) return null;
    try {
      return dataKeysFrom(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return null;
    }
  });

export function dataKeysFrom(text: string): DataKeys {
  const keys = text.split(',').map((part, i) => {
    const key = Buffer.from(part.trim(), 'base64');
    if (key.length !== 32 || key.toString('base64') !== part.trim())
      throw new InvalidConfigError(
        `key ${i + 1} is not 32 bytes in base64 (make one with: openssl rand -base64 32)`,
      );
    return key;
  });
  const byId = new Map(keys.map((k) => [keyIdOf(k), k] as const));
  return { currentId: keyIdOf(keys[0] as Buffer), byId };
}

/** A new key as the setting takes it. */
export function newDataKey(): string {
  return randomBytes(32).toString('base64');
}

/** Seals `plain` under the current key, or leaves it plain when there is no key. */
export function sealBytes(keys: DataKeys | null, plain: Buffer, aad: string): StoredBytes {
  if (!keys) return { keyId: null, bytes: plain };
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', keys.byId.get(keys.currentId) as Buffer, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: keys.currentId, bytes: Buffer.concat([iv, cipher.getAuthTag(), body]) };
}

/**
 * The plaintext of stored bytes. A key not given is INVALID_CONFIG naming its id; bytes that do
 * not open under it (altered, or moved from another row) are SNAPSHOT_INVALID.
 */
export function openBytes(keys: DataKeys | null, stored: StoredBytes, aad: string, what: string): Buffer {
  if (stored.keyId === null) return stored.bytes;
  const key = keys?.byId.get(stored.keyId);
  if (!key)
    throw new InvalidConfigError(
      `${what} is encrypted under key ${stored.keyId}, which MEDIC_DATA_KEY does not hold`,
      {
        hint: 'add that key to MEDIC_DATA_KEY after the current one (new,old), then `medic keys rotate`',
      },
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, stored.bytes.subarray(0, IV));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(stored.bytes.subarray(IV, IV + TAG));
    return Buffer.concat([decipher.update(stored.bytes.subarray(IV + TAG)), decipher.final()]);
  } catch {
    throw new SnapshotInvalidError(
      `${what} does not open under key ${stored.keyId}: its bytes were altered or moved`,
    );
  }
}

/** The plaintext of stored bytes, checked against its digest (SNAPSHOT_INVALID when it is other bytes). */
export function openToDigest(
  keys: DataKeys | null,
  stored: StoredBytes,
  aad: string,
  digest: string,
  what: string,
): Buffer {
  const plain = openBytes(keys, stored, aad, what);
  if (sha256Digest(plain) !== digest)
    throw new SnapshotInvalidError(`${what} opens to other bytes than its digest`);
  return plain;
}

export const snapshotAad = (runId: string, digest: string) => `snapshot\0${runId}\0${digest}`;
export const blobAad = (digest: string) => `blob\0${digest}`;
