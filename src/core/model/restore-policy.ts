// [keep] The policy's `restore:`: what an empty (or partly emptied) config volume is filled
// from: the workspace's last good copy when there is one taken within `max_age`, else the
// runtime's template (`prefer: template`: always the template); `heal_at_risk`: the automatic
// paths recover a workspace at risk then (heal-at-risk.ts). Unset, the defaults hold.
import { z } from 'zod';
import { parseDuration } from './settings-values.js';

export const restoreSchema = z
  .object({
    prefer: z.enum(['last_good', 'template']).default('last_good'),
    max_age: z
      .string()
      .regex(/^[0-9]+(s|m|h|d)$/, "must be a duration such as '7d' or '12h'")
      .default('7d'),
    /** A workspace found at risk whose diagnosis needs a seed is recovered then (fill-in only). */
    heal_at_risk: z.boolean().default(false),
  })
  .strict()
  .default({});
export type RestorePolicy = z.infer<typeof restoreSchema>;

/** A repository rule's or an API client's own `restore:` (prefer, max_age), over the policy's for its runs. */
export const restoreOverrideSchema = z
  .object({
    prefer: z.enum(['last_good', 'template']).optional(),
    max_age: z
      .string()
      .regex(/^[0-9]+(s|m|h|d)$/, "must be a duration such as '7d' or '12h'")
      .optional(),
  })
  .strict();
export type RestoreOverride = z.infer<typeof restoreOverrideSchema>;

/**
 * How old a last good copy may be to be restored (ms), or null when the template is preferred:
 * the rule's (or client's) `restore:` that admitted the run over the policy's own.
 */
export function lastGoodMaxAgeMs(
  policy: { readonly restore: RestorePolicy } | null,
  override?: RestoreOverride,
): number | null {
  const r = { ...(policy?.restore ?? restoreSchema.parse(undefined)), ...override };
  return r.prefer === 'template' ? null : (parseDuration(r.max_age) ?? null);
}
