// The HTTP API's bearer tokens: `medic token create <client>` makes one, prints it once and
// keeps only its SHA-256 (a token is 32 random bytes, so a fast hash is the right one: there
// is nothing to guess) and a short prefix by which the operator recognises it in `list` and
// `revoke`. A token names its client; what the client may do is the policy's business.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../core/index.js';
import { InvalidRequestError } from '../core/index.js';

/** `medic_` and 8 hex characters: shown by `token list`, enough to tell tokens apart. */
const PREFIX = /^medic_[0-9a-f]{8}$/;
const TOKEN = /^(medic_[0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

export interface TokenRow {
  readonly prefix: string;
  readonly client: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

const rowSchema = z
  .object({
    prefix: z.string(),
    client: z.string(),
    created_by: z.string(),
    created_at: z.coerce.date(),
    last_used_at: z.coerce.date().nullable(),
    revoked_at: z.coerce.date().nullable(),
  })
  .transform(
    (r): TokenRow => ({
      prefix: r.prefix,
      client: r.client,
      createdBy: r.created_by,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }),
  );

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new token for `client`: returned whole this once; only its hash and prefix are stored. */
export async function createToken(
  db: Queryable,
  client: string,
  createdBy: string,
): Promise<{ readonly token: string; readonly prefix: string }> {
  const prefix = `medic_${randomBytes(4).toString('hex')}`;
  const token = `${prefix}_${randomBytes(32).toString('base64url')}`;
  await db.query('INSERT INTO medic.api_tokens (client, prefix, hash, created_by) VALUES ($1, $2, $3, $4)', [
    client,
    prefix,
    hashOf(token),
    createdBy,
  ]);
  return { token, prefix };
}

export async function listTokens(db: Queryable): Promise<TokenRow[]> {
  const { rows } = await db.query(
    'SELECT prefix, client, created_by, created_at, last_used_at, revoked_at FROM medic.api_tokens ORDER BY created_at',
  );
  return z.array(rowSchema).parse(rows);
}

/** Revokes by prefix (`medic_1a2b3c4d`) or every token of a client; returns the prefixes revoked. */
export async function revokeTokens(db: Queryable, which: string): Promise<string[]> {
  const byPrefix = PREFIX.test(which);
  const { rows } = await db.query(
    `UPDATE medic.api_tokens SET revoked_at = now()
      WHERE revoked_at IS NULL AND ${byPrefix ? 'prefix = $1' : 'lower(client) = lower($1)'}
      RETURNING prefix`,
    [which],
  );
  return z
    .array(z.object({ prefix: z.string() }))
    .parse(rows)
    .map((r) => r.prefix);
}

/** The client a presented token belongs to, or null (unknown, malformed or revoked). */
export async function authenticate(db: Queryable, presented: string): Promise<string | null> {
  if (!TOKEN.test(presented)) return null;
  // A read: an unknown token costs no write. A known one notes its use, at most once a minute.
  const hash = hashOf(presented);
  const { rows } = await db.query(
    `SELECT client, last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale
       FROM medic.api_tokens WHERE hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const found = z.array(z.object({ client: z.string(), stale: z.boolean() })).parse(rows)[0];
  if (!found) return null;
  if (found.stale) await db.query('UPDATE medic.api_tokens SET last_used_at = now() WHERE hash = $1', [hash]);
  return found.client;
}

/** A client name as the policy spells them (checked before a token is made for it). */
export function checkClientName(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(name)) {
    throw new InvalidRequestError(`"${name}" is not a client name: 1-63 letters, digits, . _ -`, {
      hint: 'use the name the policy gives the client under `clients:`',
    });
  }
  return name;
}
