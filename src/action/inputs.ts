// The action's inputs and outputs: one typed key list each (a contract test checks them
// against action.yml) and one zod schema over the inputs as the runner passes them
// (INPUT_<NAME>, name upper-cased, hyphens kept). A bad input fails naming the input.
import { z } from 'zod';
import { MedicError, parseSettings, parseTarget, validTraceparent } from '../core/index.js';

export const INPUT_KEYS = [
  'workspace',
  'dry-run',
  'force',
  'reason',
  'database-url',
  'configs-dir',
  'docker-host',
  'github-token',
  'issue-number',
  'traceparent',
  'from',
  'plan',
] as const;
export const OUTPUT_KEYS = ['outcome', 'run-id', 'result'] as const;

export type InputKey = (typeof INPUT_KEYS)[number];
export type OutputKey = (typeof OUTPUT_KEYS)[number];

const bool = (name: InputKey) =>
  z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const t = v.trim().toLowerCase();
      if (['true', 'yes', '1'].includes(t)) return true;
      if (['false', 'no', '0', ''].includes(t)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return false;
    });

const schema = z.object({
  workspace: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const targets = v.split(/[\s,]+/).filter(Boolean);
      for (const t of targets) {
        try {
          parseTarget(t);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: error instanceof MedicError ? error.message : String(error),
          });
        }
      }
      return targets;
    }),
  'dry-run': bool('dry-run'),
  force: bool('force'),
  reason: z.string().max(500).default(''),
  'database-url': z.string().default(''),
  'configs-dir': z.string().default(''),
  'docker-host': z.string().default(''),
  'github-token': z.string().default(''),
  'issue-number': z
    .string()
    .default('')
    .refine((v) => v.trim() === '' || /^[1-9]\d*$/.test(v.trim()), 'must be an issue number'),
  // A W3C traceparent (00-<trace id>-<span id>-<flags>): the runs join that trace.
  traceparent: z
    .string()
    .default('')
    .refine(
      (v) => v.trim() === '' || validTraceparent(v) !== undefined,
      'must be a W3C traceparent, 00-<32 hex>-<16 hex>-<2 hex>',
    )
    .transform((v) => validTraceparent(v) ?? null),
  // [keep] `template`: the template over the user's files (as `--from template`); empty: fill in.
  from: z
    .string()
    .default('')
    .transform((v) => v.trim())
    .refine((v) => v === '' || v === 'template', "must be 'template' or empty")
    .transform((v) => (v === 'template' ? ('template' as const) : null)),
  // [keep] A dry run's `restore.plan`: the run writes exactly that plan, or refuses (PLAN_CHANGED).
  plan: z
    .string()
    .default('')
    .transform((v) => v.trim())
    .refine((v) => v === '' || /^sha256:[0-9a-f]{64}$/i.test(v), "must be a dry run's plan, sha256:<64 hex>")
    .transform((v) => (v ? v.toLowerCase() : null)),
});

export type ActionInputs = z.infer<typeof schema>;

export function readInputs(env: Record<string, string | undefined>): ActionInputs {
  const raw = Object.fromEntries(
    INPUT_KEYS.map((k) => [k, env[`INPUT_${k.toUpperCase()}`]]).filter(([, v]) => v !== undefined),
  );
  return parseSettings(schema, raw, (name, problem) => `input ${name}: ${problem}`);
}

/** A dispatch as the `/recover` command it amounts to (the status comment's and the summary's title). */
export function dispatchLine(inputs: ActionInputs): string {
  const flags = [
    inputs['dry-run'] ? ' --dry-run' : '',
    inputs.force ? ' --force' : '',
    inputs.from ? ' --from template' : '',
    inputs.plan ? ` --plan ${inputs.plan}` : '',
  ];
  return `/recover ${inputs.workspace.join(' ')}${flags.join('')}`;
}
