// All configuration comes from the environment, parsed once with zod into a typed object.
// A bad value is an InvalidConfigError that names the variable.
import path from 'node:path';
import { z } from 'zod';
import { type DataKeys, dataKeySetting } from './data-cipher.js';
import {
  duration,
  nonNegativeInt,
  parseBudget,
  parseSettings,
  positiveInt,
  type RestartBudget,
} from './settings-values.js';

export { parseBudget, parseDuration, parseSettings, type RestartBudget } from './settings-values.js';

/** Every command's settings (the CLI, watch, agent, the app, the action): docs/configuration.md is generated from it. */
export const coreSettingsSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL')
      .describe(
        "the platform's Postgres (`postgres://…`); unset: the embedded database (PGlite) under `MEDIC_DATA_DIR`",
      ),
    MEDIC_DATA_DIR: z
      .string()
      .trim()
      .min(1)
      .default('.medic')
      .describe(
        'where the embedded database lives (made 0700; one that group or others can enter is refused, `INSECURE_DATA_DIR`); one process at a time has it open: the holder (`MEDIC_EMBEDDED_IDLE_S`), which serves every medic process, or with the holder off a single medic process (a second is refused at once, `DATABASE_IN_USE`, naming the first)',
      ),
    MEDIC_EMBEDDED_IDLE_S: nonNegativeInt(120).describe(
      'the embedded database is held open by a background process that serves every medic process on this data directory (over a socket in it, private to its owner), so a command does not pay for opening it and two commands share it safely; it exits after this many seconds with no medic process connected. 0: no holder, each process opens the database itself, one at a time',
    ),
    CONFIGS_DIR: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe("the template root, one directory per runtime; unset: the package's `templates/`"),
    DOCKER_HOST: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine(
        (v) => v === undefined || /^(unix|tcp|http|https):\/\//.test(v),
        'must be unix://, tcp:// or http(s)://',
      )
      .describe('the Docker engine (`unix://`, `tcp://`, `http(s)://`); unset: the local socket'),
    MEDIC_LEASE_TTL_S: z.coerce
      .number()
      .int()
      .min(6)
      .default(15)
      .describe(
        "longest a run's lease holds without its holder renewing it (s): a live run renews it every third of this, however long its stop and start take, so a frozen or cut-off holder loses it within this long (Kubernetes' leader-election proportions)",
      ),
    MEDIC_RESTART_BUDGET: z
      .string()
      .default('3/1h')
      .transform((v, ctx) => {
        const budget = parseBudget(v);
        if (!budget) ctx.addIssue({ code: 'custom', message: 'must look like 3/1h (count/window, s|m|h|d)' });
        return budget ?? { max: 0, windowMs: 0, text: v };
      })
      .describe(
        'recoveries of one workspace per window without `--force` (`count/window`, window in s|m|h|d)',
      ),
    MEDIC_START_TIMEOUT_S: positiveInt(60).describe(
      'how long a started container may take to run (and be healthy, with a HEALTHCHECK) (s)',
    ),
    MEDIC_STOP_TIMEOUT_S: positiveInt(10).describe("the stop's grace period before the engine kills (s)"),
    MEDIC_TEMPLATE_MAX_BYTES: positiveInt(10 * 1024 * 1024).describe(
      "cap on a template's size in bytes (and at most 2,000 files)",
    ),
    MEDIC_SNAPSHOT_MAX_BYTES: positiveInt(64 * 1024 * 1024).describe(
      'cap on a volume snapshot in bytes; a larger volume is not seeded over (`SNAPSHOT_TOO_LARGE`)',
    ),
    MEDIC_RETENTION: duration('30d').describe(
      'snapshots, finished jobs and finished fleet tasks older than this are pruned daily by the watcher, the agents and the app',
    ),
    MEDIC_REGRESSION_WINDOW: duration('24h').describe(
      'a workspace broken again within this long after a recovery is a regression (an event, a reopened incident, a count)',
    ),
    MEDIC_KEEP_AFTER: duration('10m').describe(
      'a workspace running with its config and its row online this long has a last good copy of its config volume kept (restored before the template when it breaks)',
    ),
    MEDIC_KEEP_EVERY: duration('15m').describe(
      '`medic watch` and every agent look at each healthy workspace this often, and keep a new copy when its content changed',
    ),
    MEDIC_KEEP_COPIES: positiveInt(5).describe('last good copies kept per workspace (the oldest go first)'),
    MEDIC_DATA_KEY: dataKeySetting.describe(
      'snapshots and last good copies are encrypted at rest (AES-256-GCM) under this key: 32 random bytes in base64 (`openssl rand -base64 32`); `new,old` reads both and seals under the first (`medic keys rotate` moves everything to it). Unset: the embedded database makes its own key file (`medic-data.key`, 0600) in `MEDIC_DATA_DIR`; a server database stores them plaintext and `medic doctor` warns',
    ),
    MEDIC_NOTIFY_DIGEST: duration('1m').describe(
      "a Slack sink is sent an event kind's first event at once; those of the same kind that follow within this long wait for it to pass and go as one message (a digest), so a storm is a message, not a flood",
    ),
    MEDIC_DASHBOARD_URL: z
      .string()
      .url()
      .optional()
      .describe(
        "the dashboard's address as people reach it, for links in notifications (e.g. https://medic.example.com/medic)",
      ),
    MEDIC_APPROVAL_TTL: duration('15m').describe(
      "how long a request for approval (the policy's `approval:`) waits for its answer before it expires",
    ),
    MEDIC_API_CALLS_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('calls to the HTTP API (`/api/v1`) each client may make in a minute; more are answered 429'),
    MEDIC_API_MAX_RUNS: z.coerce
      .number()
      .int()
      .min(1)
      .default(8)
      .describe(
        'recoveries the HTTP API runs at once in one process; a call beyond them is answered 503 with Retry-After',
      ),
    MEDIC_DRAIN_S: nonNegativeInt(20).describe(
      'after SIGTERM, how long the app, `medic watch`, `medic agent` and `medic serve` let their runs in flight finish; then a run stops at its next safe point (one that has stopped a container still starts it again), the rest is handed back to the queue, and the process exits (well under Kubernetes’ 30 s)',
    ),
    MEDIC_LOOK_MS: nonNegativeInt(1000).describe(
      '`medic watch` and every agent look this often for rows newly marked `failed`, and heal them then, not at the next sweep (ms; 0: the sweep only)',
    ),
    MEDIC_ALLOW_INSECURE_DOCKER: z
      .string()
      .optional()
      .describe('`1` accepts `DOCKER_HOST=tcp://` without TLS (refused otherwise)'),
    DOCKER_TLS_VERIFY: z.string().optional().describe('`1`: talk TLS to a `tcp://` engine'),
    DOCKER_CERT_PATH: z
      .string()
      .optional()
      .describe('where `ca.pem`, `cert.pem` and `key.pem` are for `DOCKER_TLS_VERIFY`; unset: `~/.docker`'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .optional()
      .describe('the level of the JSON logs on stderr; unset: `info` (`warn` for the CLI)'),
    NO_COLOR: z.string().optional().describe('any value: no colour in the CLI, even on a terminal'),
  })
  .superRefine((e, ctx) => {
    const host = e.DOCKER_HOST;
    const tls =
      e.DOCKER_TLS_VERIFY !== undefined && e.DOCKER_TLS_VERIFY !== '' && e.DOCKER_TLS_VERIFY !== '0';
    if (host && /^(tcp|http):\/\//.test(host) && !tls && e.MEDIC_ALLOW_INSECURE_DOCKER !== '1') {
      ctx.addIssue({
        code: 'custom',
        path: ['DOCKER_HOST'],
        message:
          'is plain tcp:// without TLS: anyone on that network can drive the engine. Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or MEDIC_ALLOW_INSECURE_DOCKER=1 to accept it',
      });
    }
  });

export interface MedicConfig {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** The embedded database's holder exits after this long with no client (s); 0: no holder. */
  readonly embeddedIdleS: number;
  readonly configsDir: string;
  readonly dockerHost: string | undefined;
  readonly leaseTtlS: number;
  /** After SIGTERM, how long a process lets its runs in flight finish (ms). */
  readonly drainMs: number;
  readonly restartBudget: RestartBudget;
  readonly startTimeoutS: number;
  readonly stopTimeoutS: number;
  readonly templateMaxBytes: number;
  readonly snapshotMaxBytes: number;
  /** How often the healers look for rows newly marked failed (ms; 0: the sweep only). */
  readonly lookMs: number;
  /** Broken again within this long after a recovery: a regression (ms). */
  readonly regressionWindowMs: number;
  /** Slack's digest window (ms). */
  readonly notifyDigestMs: number;
  /** The dashboard's public address for links, or null. */
  readonly dashboardUrl: string | null;
  /** How long a request for approval waits (ms). */
  readonly approvalTtlMs: number;
  /** Calls per client per minute to the HTTP API. */
  readonly apiCallsPerMinute: number;
  readonly apiMaxRuns: number;
  /** [keep] Healthy this long before a last good copy is kept; looked at this often; kept per workspace. */
  readonly keep: { readonly afterMs: number; readonly everyMs: number; readonly copies: number };
  /** [keep] The keys snapshots and copies are sealed under at rest; null: plaintext. */
  readonly dataKeys: DataKeys | null;
  /** Snapshots and finished jobs older than this are pruned daily (ms). */
  readonly retentionMs: number;
  /** Certificates for a TLS engine (DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else null. */
  readonly dockerTls: { readonly certPath: string } | null;
}

/**
 * @param env the process environment (or a test's)
 * @param defaultConfigsDir the package's own templates/, given by the entry point that knows where it lives
 */
export function loadConfig(env: Record<string, string | undefined>, defaultConfigsDir: string): MedicConfig {
  const e = parseSettings(
    coreSettingsSchema,
    env,
    undefined,
    (names) => `fix or unset ${names}; every setting is in docs/configuration.md`,
  );
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.MEDIC_DATA_DIR),
    embeddedIdleS: e.MEDIC_EMBEDDED_IDLE_S,
    configsDir: path.resolve(e.CONFIGS_DIR ?? defaultConfigsDir),
    dockerHost: e.DOCKER_HOST,
    leaseTtlS: e.MEDIC_LEASE_TTL_S,
    drainMs: e.MEDIC_DRAIN_S * 1000,
    restartBudget: e.MEDIC_RESTART_BUDGET,
    startTimeoutS: e.MEDIC_START_TIMEOUT_S,
    stopTimeoutS: e.MEDIC_STOP_TIMEOUT_S,
    templateMaxBytes: e.MEDIC_TEMPLATE_MAX_BYTES,
    snapshotMaxBytes: e.MEDIC_SNAPSHOT_MAX_BYTES,
    retentionMs: e.MEDIC_RETENTION,
    dataKeys: e.MEDIC_DATA_KEY,
    keep: { afterMs: e.MEDIC_KEEP_AFTER, everyMs: e.MEDIC_KEEP_EVERY, copies: e.MEDIC_KEEP_COPIES },
    lookMs: e.MEDIC_LOOK_MS,
    apiCallsPerMinute: e.MEDIC_API_CALLS_PER_MINUTE,
    apiMaxRuns: e.MEDIC_API_MAX_RUNS,
    approvalTtlMs: e.MEDIC_APPROVAL_TTL,
    regressionWindowMs: e.MEDIC_REGRESSION_WINDOW,
    notifyDigestMs: e.MEDIC_NOTIFY_DIGEST,
    dashboardUrl: e.MEDIC_DASHBOARD_URL ?? null,
    dockerTls:
      e.DOCKER_TLS_VERIFY && e.DOCKER_TLS_VERIFY !== '0'
        ? { certPath: e.DOCKER_CERT_PATH ?? path.join(env.HOME ?? '.', '.docker') }
        : null,
  };
}
