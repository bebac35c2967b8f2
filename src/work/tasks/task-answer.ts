// What an agent stores as a task's answer and the app reads back: one zod schema for both
// sides. A run's result, a diagnosis, or the error a diagnosis met; anything else read back
// is TASK_ANSWER_INVALID (an agent of another version, a damaged row), never INTERNAL.
import { z } from 'zod';
import {
  type Diagnosis,
  diagnosisSchema,
  type MedicError,
  type RecoveryResult,
  ReportedError,
  resultSchema,
  TaskAnswerInvalidError,
} from '../../core/index.js';

export const taskAnswerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), result: resultSchema }),
  z.object({ kind: z.literal('diagnosis'), diagnosis: diagnosisSchema }),
  z.object({
    kind: z.literal('error'),
    error: z.object({ code: z.string(), message: z.string(), hint: z.string().nullable() }),
  }),
]);
export type TaskAnswer = z.infer<typeof taskAnswerSchema>;

/** The answer as the app uses it: a result, a diagnosis, or the error (rebuilt with its code). */
export type Answer =
  | { readonly kind: 'result'; readonly result: RecoveryResult }
  | { readonly kind: 'diagnosis'; readonly diagnosis: Diagnosis }
  | { readonly kind: 'error'; readonly error: MedicError };

export function readAnswer(taskId: number, stored: unknown): Answer {
  const parsed = taskAnswerSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TaskAnswerInvalidError(
      `task ${taskId}'s answer is not one this app reads (${issue?.path.join('.') || 'answer'}: ${issue?.message ?? 'invalid'})`,
      { hint: 'run the same version of medic in the app and the agents' },
    );
  }
  const a = parsed.data;
  return a.kind === 'error' ? { kind: 'error', error: new ReportedError(a.error) } : a;
}
