// Approval requests: an elevated command that the rule says needs other people's consent,
// stored instead of run. Each decision is one conditional UPDATE, so that two approvals at once
// make one transition to `approved` (one run), and an approval racing the expiry ends as one
// of them: an approval counts only before `expires_at`, an expiry only after it.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../core/index.js';
import type { Command } from './parse-commands.js';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalRequest {
  readonly id: string;
  readonly repo: string;
  readonly repoId: number | null;
  readonly issue: number;
  readonly installation: number | null;
  readonly requester: string;
  /** The requester's GitHub user id (null: a request stored before medic kept it). */
  readonly requesterId: number | null;
  readonly command: Command;
  readonly line: string;
  readonly needed: number;
  readonly approvers: readonly string[];
  /** The approvers' GitHub user ids, in the order they approved: the people counted. */
  readonly approverIds: readonly number[];
  readonly state: ApprovalState;
  readonly commentId: number | null;
  readonly expiresAt: Date;
  readonly decidedBy: string | null;
  readonly denyReason: string | null;
}

const COLUMNS = `id, repo, repo_id::float8 AS repo_id, issue, installation::float8 AS installation, requester, command,
  line, needed, approvers, requester_id::float8 AS requester_id,
  COALESCE(approver_ids, '{}')::float8[] AS approver_ids, state, comment_id::float8 AS comment_id, expires_at, decided_by, deny_reason`;

const rowSchema = z
  .object({
    id: z.string(),
    repo: z.string(),
    repo_id: z.number().nullable(),
    issue: z.number(),
    installation: z.number().nullable(),
    requester: z.string(),
    command: z.custom<Command>((v) => typeof v === 'object' && v !== null && 'kind' in v),
    line: z.string(),
    needed: z.number(),
    approvers: z.array(z.string()),
    requester_id: z.number().nullable(),
    approver_ids: z.array(z.number()),
    state: z.enum(['pending', 'approved', 'denied', 'expired']),
    comment_id: z.number().nullable(),
    expires_at: z.coerce.date(),
    decided_by: z.string().nullable(),
    deny_reason: z.string().nullable(),
  })
  .transform(
    (r): ApprovalRequest => ({
      id: r.id,
      repo: r.repo,
      repoId: r.repo_id,
      issue: r.issue,
      installation: r.installation,
      requester: r.requester,
      command: r.command,
      line: r.line,
      needed: r.needed,
      approvers: r.approvers,
      requesterId: r.requester_id,
      approverIds: r.approver_ids,
      state: r.state,
      commentId: r.comment_id,
      expiresAt: r.expires_at,
      decidedBy: r.decided_by,
      denyReason: r.deny_reason,
    }),
  );
const parse = (rows: unknown[]) => z.array(rowSchema).parse(rows);

export async function createRequest(
  db: Queryable,
  r: Pick<
    ApprovalRequest,
    'repo' | 'repoId' | 'issue' | 'installation' | 'requester' | 'requesterId' | 'command' | 'line' | 'needed'
  > & {
    readonly ttlMs: number;
  },
): Promise<ApprovalRequest> {
  const { rows } = await db.query(
    `INSERT INTO medic.approvals (id, repo, repo_id, issue, installation, requester, command, line, needed, expires_at, requester_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, now() + make_interval(secs => $10), $11::bigint)
     RETURNING ${COLUMNS}`,
    [
      randomBytes(4).toString('hex'),
      r.repo,
      r.repoId,
      r.issue,
      r.installation,
      r.requester,
      JSON.stringify(r.command),
      r.line,
      r.needed,
      r.ttlMs / 1000,
      r.requesterId,
    ],
  );
  return parse(rows)[0]!;
}

export async function setRequestComment(db: Queryable, id: string, commentId: number): Promise<void> {
  await db.query('UPDATE medic.approvals SET comment_id = $2 WHERE id = $1', [id, commentId]);
}

export async function loadRequest(db: Queryable, id: string): Promise<ApprovalRequest | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM medic.approvals WHERE id = lower($1)`, [id]);
  return parse(rows)[0] ?? null;
}

/**
 * Counts a person's approval while the request is pending and unexpired: a person is their
 * GitHub user id, so a login renamed since is still the same person (the requester never
 * counts, nor anyone twice; without an id nobody counts). The request becomes `approved` when
 * it has enough. Returns the request after it, and whether this call made it `approved` (the
 * only caller that then runs the command).
 */
export async function approve(
  db: Queryable,
  id: string,
  approver: { readonly login: string; readonly id: number | null },
): Promise<{ readonly request: ApprovalRequest; readonly completed: boolean } | null> {
  const { rows } = await db.query(
    `UPDATE medic.approvals SET approvers = array_append(approvers, $2), approver_ids = array_append(approver_ids, $3::bigint),
            state = CASE WHEN cardinality(approver_ids) + 1 >= needed THEN 'approved' ELSE 'pending' END,
            decided_at = CASE WHEN cardinality(approver_ids) + 1 >= needed THEN now() END,
            decided_by = CASE WHEN cardinality(approver_ids) + 1 >= needed THEN $2 END
      WHERE id = lower($1) AND state = 'pending' AND expires_at > now()
        AND $3::bigint IS NOT NULL AND $3::bigint IS DISTINCT FROM requester_id
        AND NOT ($3::bigint = ANY (approver_ids))
        AND (requester_id IS NOT NULL OR lower($2) <> lower(requester))
      RETURNING ${COLUMNS}`,
    [id, approver.login, approver.id],
  );
  const request = parse(rows)[0];
  return request ? { request, completed: request.state === 'approved' } : null;
}

/** Denies a pending, unexpired request; null when it was not (any more). */
export async function deny(
  db: Queryable,
  id: string,
  by: string,
  reason: string,
): Promise<ApprovalRequest | null> {
  const { rows } = await db.query(
    `UPDATE medic.approvals SET state = 'denied', decided_at = now(), decided_by = $2, deny_reason = $3
      WHERE id = lower($1) AND state = 'pending' AND expires_at > now() RETURNING ${COLUMNS}`,
    [id, by, reason],
  );
  return parse(rows)[0] ?? null;
}

/** Marks pending requests past their time `expired` (one of them, or all); returns those it marked. */
export async function expireDue(db: Queryable, id?: string): Promise<ApprovalRequest[]> {
  const { rows } = await db.query(
    `UPDATE medic.approvals SET state = 'expired', decided_at = now()
      WHERE state = 'pending' AND expires_at <= now() AND ($1::text IS NULL OR id = lower($1))
      RETURNING ${COLUMNS}`,
    [id ?? null],
  );
  return parse(rows);
}
