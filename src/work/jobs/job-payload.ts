// What the app stores as a job: enough to redo the work after a restart. Checked with zod
// when a job is read back from Postgres.
import { z } from 'zod';
import type { CommentEvent, IncidentEvent } from '../../github/webhook-payloads.js';

export const jobPayloadSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('comment'),
    owner: z.string(),
    repo: z.string(),
    installationId: z.number(),
    event: z.custom<CommentEvent>(),
  }),
  z.object({
    kind: z.literal('incident'),
    owner: z.string(),
    repo: z.string(),
    installationId: z.number(),
    event: z.custom<IncidentEvent>(),
  }),
]);
export type JobPayload = z.infer<typeof jobPayloadSchema>;
