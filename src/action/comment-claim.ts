// The action's answer to a re-run: an issue_comment workflow run again (by GitHub's "re-run",
// or a second workflow on the same event) finds the comment already claimed in the database
// and runs nothing, as the app's jobs are unique by comment.
import { z } from 'zod';
import type { Queryable } from '../core/index.js';

/** Claims the comment for this run; false when an earlier run claimed it. */
export async function claimComment(db: Queryable, key: string, runId: string | null): Promise<boolean> {
  const { rows } = await db.query(
    'INSERT INTO medic.action_comments (key, run_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key',
    [key, runId],
  );
  return z.array(z.object({ key: z.string() })).parse(rows).length === 1;
}
