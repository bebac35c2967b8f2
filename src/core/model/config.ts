// All configuration comes from the environment, parsed once with zod into a typed object.
// A bad value is an InvalidConfigError that names the variable.
import path from 'node:path';
import { z } from 'zod';
import { InvalidConfigError } from './errors.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const BUDGET = /^(\d+)\/(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export interface RestartBudget {
  readonly max: number;
  readonly windowMs: number;
  readonly text: string;
}

export function parseBudget(text: string): RestartBudget | null {
  const match = BUDGET.exec(text.trim());
  if (!match) return null;
  const [, max, amount, unit] = match;
  return { max: Number(max), windowMs: Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS], text };
}

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
  MEDIC_DATA_DIR: z.string().trim().min(1).default('.medic'),
  CONFIGS_DIR: z.string().trim().min(1).optional(),
  DOCKER_HOST: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine(
      (v) => v === undefined || /^(unix|tcp|http|https):\/\//.test(v),
      'must be unix://, tcp:// or http(s)://',
    ),
  MEDIC_LEASE_TTL_S: positiveInt(300),
  MEDIC_RESTART_BUDGET: z
    .string()
    .default('3/1h')
    .transform((v, ctx) => {
      const budget = parseBudget(v);
      if (!budget) ctx.addIssue({ code: 'custom', message: 'must look like 3/1h (count/window, s|m|h|d)' });
      return budget ?? { max: 0, windowMs: 0, text: v };
    }),
  MEDIC_START_TIMEOUT_S: positiveInt(60),
  MEDIC_STOP_TIMEOUT_S: positiveInt(10),
  MEDIC_TEMPLATE_MAX_BYTES: positiveInt(10 * 1024 * 1024),
  MEDIC_SNAPSHOT_MAX_BYTES: positiveInt(64 * 1024 * 1024),
});

export interface MedicConfig {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly configsDir: string;
  readonly dockerHost: string | undefined;
  readonly leaseTtlS: number;
  readonly restartBudget: RestartBudget;
  readonly startTimeoutS: number;
  readonly stopTimeoutS: number;
  readonly templateMaxBytes: number;
  readonly snapshotMaxBytes: number;
}

/**
 * Parses settings with a zod schema; the first problem becomes an InvalidConfigError that names
 * the setting, worded by `describe` (the variable's name, by default).
 */
export function parseSettings<S extends z.ZodTypeAny>(
  schema: S,
  raw: unknown,
  describe: (name: string, problem: string) => string = (name, problem) => `${name} is invalid: ${problem}`,
  hint?: (name: string) => string,
): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  throw new InvalidConfigError(
    describe(name, issue?.message ?? 'bad value'),
    hint ? { hint: hint(name) } : {},
  );
}

/**
 * @param env the process environment (or a test's)
 * @param defaultConfigsDir the package's own templates/, given by the entry point that knows where it lives
 */
export function loadConfig(env: Record<string, string | undefined>, defaultConfigsDir: string): MedicConfig {
  const e = parseSettings(
    envSchema,
    env,
    undefined,
    (name) => `fix or unset ${name}; see the README's Configuration section`,
  );
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.MEDIC_DATA_DIR),
    configsDir: path.resolve(e.CONFIGS_DIR ?? defaultConfigsDir),
    dockerHost: e.DOCKER_HOST,
    leaseTtlS: e.MEDIC_LEASE_TTL_S,
    restartBudget: e.MEDIC_RESTART_BUDGET,
    startTimeoutS: e.MEDIC_START_TIMEOUT_S,
    stopTimeoutS: e.MEDIC_STOP_TIMEOUT_S,
    templateMaxBytes: e.MEDIC_TEMPLATE_MAX_BYTES,
    snapshotMaxBytes: e.MEDIC_SNAPSHOT_MAX_BYTES,
  };
}

/** A connection string with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
