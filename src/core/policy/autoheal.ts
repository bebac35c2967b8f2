// [storm] The policy's `autoheal:`: how the automatic paths (watch, agents, sweep, the API
// without force) hold back: flapping, the breaker and the waves (docs/policy.md).
import { z } from 'zod';

const durationSchema = z
  .string()
  .regex(/^[0-9]+(s|m|h|d)$/, "must be a duration such as '10m', '2h' or '1d'");

export const autohealSchema = z
  .object({
    /** Broken again within MEDIC_REGRESSION_WINDOW this many times: flapping, no more automatic heals. */
    flapping_after: z.number().int().min(1).default(3),
    /** More broken at once in a scope than this (a count, or a share of the scope): the breaker opens. */
    max_unhealthy: z
      .union([
        z.number().int().min(0),
        z.string().regex(/^(100|[1-9]?[0-9])(\.[0-9]+)?%$/, 'must be a count or a share such as 20%'),
      ])
      .default('100%'),
    /** What the breaker and the waves count over: the whole fleet, each engine, or each runtime. */
    scope: z.enum(['fleet', 'engine', 'runtime']).default('fleet'),
    /** Under the limit this long: the breaker closes by itself. */
    close_after: durationSchema.default('10m'),
    /** The first wave's size when more than this many are broken in a scope; later waves double. */
    canary: z.number().int().min(1).default(2),
    /** A wave with more of its runs failed than this share pauses the scope's healing. */
    max_failure_ratio: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .default({});
