// The app's own settings, beside Probot's env: how many jobs at once, how often a status
// comment may be edited, how the worker polls, how old a comment may be, where commands run
// (here, or on the engines' agents), and the webhook secret it will not run without. Parsed with zod; a bad value names itself.
import { z } from 'zod';
import { InvalidConfigError, parseSettings } from '../core/index.js';

/** The app's settings (docs/configuration.md is generated from it), Probot's own among them. */
export const appSettingsSchema = z.object({
  APP_ID: z
    .string()
    .optional()
    .describe("the GitHub App's id (Probot); unset: Probot's setup flow registers the app"),
  PRIVATE_KEY: z.string().optional().describe("the GitHub App's private key, PEM (Probot)"),
  WEBHOOK_SECRET: z
    .string()
    .optional()
    .describe("the GitHub App's webhook secret (Probot); required unless `NODE_ENV=development`"),
  GHE_HOST: z.string().optional().describe('a GitHub Enterprise host (Probot); unset: github.com'),
  GHE_PROTOCOL: z.enum(['http', 'https']).default('https').describe('the protocol for `GHE_HOST` (Probot)'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('the port the app listens on'),
  HOST: z.string().min(1).default('0.0.0.0').describe('the address the app listens on'),
  NODE_ENV: z
    .string()
    .optional()
    .describe('`development` lets the app start without a webhook secret (trials only)'),
  MEDIC_APP_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('webhook jobs run at once'),
  MEDIC_EDIT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe(
      'least time between two edits of a status comment, and how long a command runs before its status comment is posted',
    ),
  MEDIC_POLL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe(
      "how often the job queue is polled besides its NOTIFY wake-ups, and dead workers' jobs reclaimed",
    ),
  MEDIC_JOB_STALE_S: z.coerce
    .number()
    .int()
    .min(5)
    .default(60)
    .describe('a running job whose replica has not heartbeated for this long is taken over (s)'),
  MEDIC_COMMENT_MAX_AGE_S: z.coerce
    .number()
    .int()
    .min(1)
    .default(3600)
    .describe('comments older than this are ignored: a replayed old body does nothing (s)'),
  MEDIC_WRITE_GAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe("least time between two writes to GitHub per installation (GitHub's pace)"),
  MEDIC_WRITES_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(80)
    .describe('most writes to GitHub per installation in any minute'),
  MEDIC_EXECUTOR: z
    .enum(['local', 'agents'])
    .default('local')
    .describe(
      "where commands run: `local` (this host's engine) or `agents` (the agents of the workspaces' engines)",
    ),
  MEDIC_AGENT_WAIT_S: z.coerce
    .number()
    .int()
    .min(1)
    .default(120)
    .describe('with `agents`: how long a task waits for its engine to have a live agent (s)'),
});
const schema = appSettingsSchema;

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
    listen: { port: e.PORT, host: e.HOST },
  };
}
