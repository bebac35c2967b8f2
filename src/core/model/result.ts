// The result object (version 1) that every door produces, validated by this one schema.
// docs/result.md documents its fields; `snapshot` is an addition (null when nothing was snapshotted).
import { z } from 'zod';

/**
 * `interrupted`: a person's Ctrl-C (or a process's SIGTERM drain) stopped the run at a safe
 * point: before its first change (nothing changed), or after its start (the workspace runs with
 * its new config; its row is left as it was, for the next run to set). Its error says where.
 */
export const OUTCOMES = [
  'recovered',
  'healthy',
  'planned',
  'failed',
  'busy',
  'refused',
  'interrupted',
] as const;

/**
 * The steps that change a workspace's container or volume: a run with one of them `ok` has
 * changed it (the restart budget counts such runs; the API keeps such a run's answer with its
 * key). `mark-online` alone, a row set right, is not among them, as it never was: the list named
 * it `mark online`, which no step that ran was ever called.
 */
export const CHANGE_STEPS: readonly string[] = ['stop', 'seed', 'start', 'restore'];

/** Whether a run's steps changed the workspace. */
export function changedWorkspace(
  steps: ReadonlyArray<{ readonly name: string; readonly status: string }>,
): boolean {
  return steps.some((s) => s.status === 'ok' && CHANGE_STEPS.includes(s.name));
}
export const SOURCES = ['cli', 'app', 'action', 'auto', 'api'] as const;
export const STEP_STATUSES = ['ok', 'skipped', 'failed'] as const;

export const stepSchema = z.object({
  name: z.string(),
  status: z.enum(STEP_STATUSES),
  ms: z.number().int().nonnegative(),
  detail: z.string(),
});

export const originSchema = z.object({
  repo: z.string(),
  issue: z.number().int().nullable(),
  comment: z.number().int().nullable(),
});
export type Origin = z.infer<typeof originSchema>;

/** Who asked for a command that needed approvals, and who approved it. */
export const approvalSchema = z.object({
  id: z.string(),
  requestedBy: z.string(),
  approvedBy: z.array(z.string()),
});

/** Where a recovery's files came from: the template into an empty volume (or over it, asked), or filled into a volume that kept its own. */
export const RESTORE_SOURCES = ['template', 'fill', 'last_good'] as const;
export type RestoreSource = (typeof RESTORE_SOURCES)[number];

export const restoreFileSchema = z.object({
  /** Relative to /configs. */
  path: z.string(),
  action: z.enum(['added', 'kept', 'overwritten']),
  bytes: z.number().int().nonnegative(),
  /** sha256 of the bytes written or kept; null for a kept entry that is not a regular file. */
  digest: z.string().nullable(),
  /** Where the bytes come from: the template, the workspace's last good copy, or the volume itself (kept). */
  from: z.enum(['template', 'last_good', 'volume']),
});
export type RestoreFile = z.infer<typeof restoreFileSchema>;

/** The most files a result lists (a volume of many files is summarised past it). */
export const RESTORE_FILES_LISTED = 200;

export const restoreSchema = z.object({
  source: z.enum(RESTORE_SOURCES),
  files: z.array(restoreFileSchema),
  /** How many files were left out of `files` past RESTORE_FILES_LISTED (kept ones first). */
  omitted: z.number().int().nonnegative(),
  /** A digest of the whole plan (every file but the marker): give it as `--plan` to run exactly this. */
  plan: z.string().nullable().default(null),
});
export type Restore = z.infer<typeof restoreSchema>;

export const resultSchema = z.object({
  version: z.literal(1),
  runId: z.string().uuid(),
  // `diagnose` only for a refused /diagnose: diagnoses are not runs, refusals are recorded.
  command: z.enum(['recover', 'rollback', 'diagnose']),
  source: z.enum(SOURCES),
  actor: z.string(),
  workspace: z.object({
    id: z.string().uuid().nullable(),
    container: z.string(),
    volume: z.string(),
    runtime: z.string().nullable(),
    statusBefore: z.string().nullable(),
    statusAfter: z.string().nullable(),
  }),
  outcome: z.enum(OUTCOMES),
  template: z.object({ name: z.string(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }).nullable(),
  snapshot: z.object({ digest: z.string(), bytes: z.number().int().nonnegative() }).nullable(),
  /** What a recovery wrote (or, planned, would write) into /configs, file by file; null when it wrote nothing. */
  restore: restoreSchema.nullable().default(null),
  steps: z.array(stepSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /**
   * For a failed run: what kind of failure (one of FAILURE_CLASSES, failure-class.ts); null
   * otherwise. A string, not an enum, in the schema: readers must take a class they do not know
   * (more may come), and OpenAPI 3.0 cannot say a nullable enum plainly.
   */
  class: z.string().nullable().default(null),
  /** For a failed run: whether another attempt, with nothing else changed, can succeed; null otherwise. */
  retryable: z.boolean().nullable().default(null),
  /** For a command that needed approvals: the request, who asked, who approved; null otherwise. */
  approval: approvalSchema.nullable().default(null),
  /** When the breakage was first seen (the row marked failed, the container's death, the incident), if known. */
  detectedAt: z.string().datetime().nullable().default(null),
  /** For a recovery: from detectedAt to online, in ms. */
  detectedToOnlineMs: z.number().int().nonnegative().nullable().default(null),
  /** Broken again within MEDIC_REGRESSION_WINDOW of this earlier recovery; null otherwise. */
  regression: z.object({ previousRunId: z.string().uuid(), gapS: z.number().int() }).nullable().default(null),
  /** Where a run from GitHub (app, action) was asked for; null otherwise. */
  origin: originSchema.nullable().default(null),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
});

export type Outcome = (typeof OUTCOMES)[number];
export type Source = (typeof SOURCES)[number];
export type Step = z.infer<typeof stepSchema>;
export type RecoveryResult = z.infer<typeof resultSchema>;

/** Outcomes that count as success for exit codes, reactions and closing incidents. */
export function isSuccess(outcome: Outcome): boolean {
  return outcome === 'recovered' || outcome === 'healthy' || outcome === 'planned';
}
