// The app's own settings, beside Probot's env: how many jobs at once, how often a status
// comment may be edited, how the worker polls, how old a comment may be, where commands run
// (here, or on the engines' agents), and the webhook secret it will not run without. Parsed with zod; a bad value names itself.
import { z } from 'zod';
import { InvalidConfigError, parseSettings } from '../core/index.js';

const schema = z.object({
  MEDIC_APP_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  MEDIC_EDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  MEDIC_POLL_MS: z.coerce.number().int().min(100).default(5000),
  MEDIC_JOB_STALE_S: z.coerce.number().int().min(5).default(60),
  MEDIC_COMMENT_MAX_AGE_S: z.coerce.number().int().min(1).default(3600),
  MEDIC_WRITE_GAP_MS: z.coerce.number().int().min(0).default(1000),
  MEDIC_WRITES_PER_MINUTE: z.coerce.number().int().min(1).default(80),
  MEDIC_EXECUTOR: z.enum(['local', 'agents']).default('local'),
  MEDIC_AGENT_WAIT_S: z.coerce.number().int().min(1).default(120),
});

export function appSettings(env: Record<string, string | undefined>) {
  // Without a secret, anyone who can reach the port could sign payloads with Probot's
  // development secret and run commands.
  if (!env.WEBHOOK_SECRET?.trim() && env.NODE_ENV !== 'development') {
    throw new InvalidConfigError(
      'WEBHOOK_SECRET is unset or empty: the app will not accept unsigned webhooks',
      {
        hint: "set WEBHOOK_SECRET to your GitHub App's webhook secret (NODE_ENV=development lifts this for local trials)",
      },
    );
  }
  const e = parseSettings(schema, env);
  if (e.MEDIC_EXECUTOR === 'agents' && !env.DATABASE_URL?.trim()) {
    throw new InvalidConfigError(
      'MEDIC_EXECUTOR=agents needs the fleet’s shared Postgres, and DATABASE_URL is unset',
      {
        hint: 'set DATABASE_URL to the database your agents use (the embedded one is this process’s alone)',
      },
    );
  }
  return {
    concurrency: e.MEDIC_APP_CONCURRENCY,
    editIntervalMs: e.MEDIC_EDIT_INTERVAL_MS,
    pollMs: e.MEDIC_POLL_MS,
    staleS: e.MEDIC_JOB_STALE_S,
    commentMaxAgeS: e.MEDIC_COMMENT_MAX_AGE_S,
    writeGapMs: e.MEDIC_WRITE_GAP_MS,
    writesPerMinute: e.MEDIC_WRITES_PER_MINUTE,
    executor: e.MEDIC_EXECUTOR === 'agents' ? { agents: { waitS: e.MEDIC_AGENT_WAIT_S } } : null,
  };
}
