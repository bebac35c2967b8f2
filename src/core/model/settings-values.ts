// The shapes of medic's settings' values: durations (`30d`), budgets (`3/1h`), counts.
import { z } from 'zod';
import { InvalidConfigError } from './errors.js';

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A count or a time in whole units where 0 means off or none. */
export const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** A duration setting (`30d`, `15m`), in ms. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || ms <= 0)
        ctx.addIssue({ code: 'custom', message: `must look like ${fallback} (a count and s|m|h|d)` });
      return ms ?? 0;
    });

const BUDGET = /^(\d+)\/(\d+)(s|m|h|d)$/;
const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export interface RestartBudget {
  readonly max: number;
  readonly windowMs: number;
  readonly text: string;
}

/** A workspace's restart budget as the doors show it: used of max in the window, and when it frees. */
export interface BudgetView {
  readonly used: number;
  readonly max: number;
  readonly window: string;
  /** When the oldest counted recovery leaves the window (ISO; null: none counted). */
  readonly frees: string | null;
}

export function parseBudget(text: string): RestartBudget | null {
  const match = BUDGET.exec(text.trim());
  if (!match) return null;
  const [, max, amount, unit] = match;
  return { max: Number(max), windowMs: Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS], text };
}

/** `30d`, `12h`, `90m`, `45s` in milliseconds, or null. */
/** A duration as the messages say it, in the largest whole unit up to hours (`24h`, `90m`, `45s`). */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
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
  // Every bad setting at once, the first problem of each: an operator fixes them in one go.
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    if (!problems.has(name)) problems.set(name, issue.message);
  }
  const names = [...problems.keys()];
  throw new InvalidConfigError(
    [...problems].map(([name, problem]) => describe(name, problem)).join('; '),
    hint ? { hint: hint(names.join(', ')) } : {},
  );
}
