// A row of the platform's `workspaces` table as medic reads it (the table is the platform's;
// store/workspace-store.ts reads and guards it).
import { z } from 'zod';

export const workspaceRowSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  runtime: z.string().nullable(),
});
export type WorkspaceRow = z.infer<typeof workspaceRowSchema>;
