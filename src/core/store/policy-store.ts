// The policy in Postgres (schema medic): every applied version is kept with who applied it,
// when, and the GitHub ids its rules were pinned to then; the newest is in force.
// Repositories cannot change it.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';
import { type Policy, policySchema } from '../policy/policy.js';
import { type Resolution, resolutionSchema, type StoredPolicy } from '../policy/resolution.js';

export type { StoredPolicy };

const rowSchema = z.object({
  version: z.number(),
  document: z.unknown(),
  applied_by: z.string(),
  applied_at: z.coerce.date(),
  resolution: z.unknown(),
});

export async function applyPolicy(
  db: Queryable,
  policy: Policy,
  resolution: Resolution,
  appliedBy: string,
): Promise<StoredPolicy> {
  const { rows } = await db.query(
    `INSERT INTO medic.policies (version, document, resolution, applied_by)
     SELECT coalesce(max(version), 0) + 1, $1::jsonb, $2::jsonb, $3 FROM medic.policies
     RETURNING version, document, resolution, applied_by, applied_at`,
    [JSON.stringify(policy), JSON.stringify(resolution), appliedBy],
  );
  return toStored(rows[0]);
}

/** The policy in force, or null when none was ever applied. */
export async function currentPolicy(db: Queryable): Promise<StoredPolicy | null> {
  const { rows } = await db.query(
    'SELECT version, document, resolution, applied_by, applied_at FROM medic.policies ORDER BY version DESC LIMIT 1',
  );
  return rows[0] ? toStored(rows[0]) : null;
}

function toStored(row: unknown): StoredPolicy {
  const r = rowSchema.parse(row);
  return {
    version: r.version,
    policy: policySchema.parse(r.document),
    appliedBy: r.applied_by,
    appliedAt: r.applied_at,
    resolution: r.resolution == null ? null : resolutionSchema.parse(r.resolution),
  };
}
