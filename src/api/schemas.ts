// The HTTP API's shapes, as zod schemas: the handlers validate with them and the OpenAPI
// document is generated from them (openapi.ts), so the two cannot drift apart.
import { z } from 'zod';
import { diagnosisSchema, resultSchema, stepSchema } from '../core/index.js';

export const API_BASE = '/api/v1';
/** The longest `Prefer: wait` honoured. */
export const MAX_WAIT_S = 60;

const target = z.string().min(1).max(80).describe('`ws-<first 12 characters of the id>` or the uuid');

export const recoveryRequestSchema = z
  .object({
    target,
    dryRun: z.boolean().default(false).describe('plan only: report what would be done'),
    force: z
      .boolean()
      .default(false)
      .describe("reseed even a healthy workspace (the client's `may` must list force)"),
    from: z
      .enum(['template'])
      .optional()
      .describe(
        "`template`: write every template file over what the volume holds; unset: fill in only what is missing, keeping the user's files",
      ),
    plan: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/)
      .optional()
      .describe(
        "a dry run's `restore.plan`: write exactly those files, or fail PLAN_CHANGED if the volume changed since",
      ),
    reason: z.string().max(500).nullable().default(null).describe('kept in the audit trail'),
  })
  .strict();
export type RecoveryRequest = z.infer<typeof recoveryRequestSchema>;

export const diagnosesRequestSchema = z.object({ targets: z.array(target).min(1).max(10) }).strict();

/** A run that has not ended: what `202` and `GET` answer while it goes. */
export const progressSchema = z.object({
  runId: z.string().uuid(),
  state: z.enum(['accepted', 'running']).describe('accepted: not begun yet; running: its steps so far'),
  steps: z.array(stepSchema),
});

export const diagnosesResponseSchema = z.object({
  diagnoses: z.array(
    z.object({
      target: z.string(),
      diagnosis: diagnosisSchema.nullable(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
    }),
  ),
});

export const runsResponseSchema = z.object({
  runs: z.array(
    z.object({
      runId: z.string().uuid(),
      command: z.string(),
      source: z.string(),
      actor: z.string(),
      reason: z.string().nullable(),
      state: z.string(),
      outcome: z.string().nullable(),
      errorCode: z.string().nullable(),
      startedAt: z.string().datetime(),
      finishedAt: z.string().datetime().nullable(),
      steps: z.array(stepSchema),
    }),
  ),
});

/** RFC 9457 problem details, with medic's error code (and the run, when one was made). */
export const problemSchema = z.object({
  type: z.string().describe('urn:workspace-medic:error:<code>'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe('a stable error code (docs/errors.md)'),
  hint: z.string().optional(),
  runId: z.string().uuid().optional(),
  result: resultSchema.optional(),
});

export { resultSchema };
