// The app's own settings, beside Probot's env: how many jobs at once, how often a status
// comment may be edited, how the worker polls. Parsed with zod; a bad value names itself.
import { z } from 'zod';
import { parseSettings } from '../core/index.js';

const schema = z.object({
  MEDIC_APP_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  MEDIC_EDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  MEDIC_POLL_MS: z.coerce.number().int().min(100).default(5000),
  MEDIC_JOB_STALE_S: z.coerce.number().int().min(5).default(60),
});

export function appSettings(env: Record<string, string | undefined>) {
  const e = parseSettings(schema, env);
  return {
    concurrency: e.MEDIC_APP_CONCURRENCY,
    editIntervalMs: e.MEDIC_EDIT_INTERVAL_MS,
    pollMs: e.MEDIC_POLL_MS,
    staleS: e.MEDIC_JOB_STALE_S,
  };
}
