// Reads and updates rows of the platform's `workspaces` table. The table belongs to the
// platform: medic only selects by id and updates status/updated_at, with guards.
import { z } from 'zod';
import { AmbiguousWorkspaceError, WorkspaceNotFoundError } from '../model/errors.js';
import type { Target } from '../model/names.js';
import type { Queryable } from '../model/ports.js';
import { type WorkspaceRow, workspaceRowSchema } from '../model/workspace-row.js';

/** Statuses the platform set on purpose: medic never touches these workspaces. */
export const NOT_RECOVERABLE: readonly string[] = ['removed', 'paused', 'hibernated'];

export function isParked(status: string): boolean {
  return NOT_RECOVERABLE.includes(status);
}

export { type WorkspaceRow, workspaceRowSchema } from '../model/workspace-row.js';

export async function findWorkspace(db: Queryable, target: Target): Promise<WorkspaceRow> {
  const { rows } = target.exact
    ? await db.query('SELECT id::text AS id, name, status, runtime FROM workspaces WHERE id = $1::uuid', [
        target.idPrefix,
      ])
    : await db.query(
        "SELECT id::text AS id, name, status, runtime FROM workspaces WHERE id::text LIKE $1 || '%' ORDER BY id LIMIT 2",
        [target.idPrefix],
      );
  const found = z.array(workspaceRowSchema).parse(rows);
  if (found.length === 0) {
    const where = db.where ?? 'the database of DATABASE_URL';
    throw new WorkspaceNotFoundError(
      `no workspace in the workspaces table of ${where} matches ${target.input}`,
      {
        hint: db.where?.startsWith('the embedded database')
          ? 'check the id; the embedded database holds only what medic demo made: set DATABASE_URL to the platform’s Postgres'
          : 'check the id, and that DATABASE_URL names the platform’s database',
      },
    );
  }
  if (found.length > 1) {
    throw new AmbiguousWorkspaceError(
      `${target.input} matches more than one workspace (${found.map((w) => w.id).join(', ')}…)`,
      { hint: 'name the workspace by its full uuid' },
    );
  }
  return found[0]!;
}

export async function readStatus(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query('SELECT status FROM workspaces WHERE id = $1::uuid', [id]);
  return z.array(z.object({ status: z.string() })).parse(rows)[0]?.status ?? null;
}

/**
 * Sets the status unless the platform moved the workspace to removed/paused/hibernated
 * meanwhile. Returns the status the row has afterwards.
 */
export async function setStatusGuarded(db: Queryable, id: string, status: string): Promise<string | null> {
  const { rows } = await db.query(
    `UPDATE workspaces SET status = $2, updated_at = now()
      WHERE id = $1::uuid AND status <> ALL($3::text[]) RETURNING status`,
    [id, status, [...NOT_RECOVERABLE]],
  );
  const updated = z.array(z.object({ status: z.string() })).parse(rows)[0];
  return updated ? updated.status : readStatus(db, id);
}

/** The ids of the rows marked `failed` now: the watcher's look, every second, for ones newly so. */
export async function failedIds(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query("SELECT id::text AS id FROM workspaces WHERE status = 'failed' LIMIT $1", [
    limit,
  ]);
  return z
    .array(z.object({ id: z.string() }))
    .parse(rows)
    .map((r) => r.id);
}

export async function listFailedWorkspaces(db: Queryable, limit: number): Promise<WorkspaceRow[]> {
  const { rows } = await db.query(
    "SELECT id::text AS id, name, status, runtime FROM workspaces WHERE status = 'failed' ORDER BY updated_at NULLS FIRST, id LIMIT $1",
    [limit],
  );
  return z.array(workspaceRowSchema).parse(rows);
}
