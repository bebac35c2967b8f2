// The trail's seals (migrations/0011-contain.sql): read back, with each run's content
// recomputed from the rows as they are now, for `medic audit verify` and `medic audit export`.
import { z } from 'zod';
import type { Queryable } from '../model/ports.js';

export interface SealRow {
  readonly seq: number;
  readonly runId: string;
  readonly contentDigest: string;
  readonly chain: string;
  readonly sealedAt: Date;
  readonly pruned: boolean;
  /** The run's content as it is now (null: its row is gone). */
  readonly content: string | null;
  /** sha256 of `content`, computed by the database. */
  readonly actualDigest: string | null;
}

const sealSchema = z.object({
  seq: z.coerce.number(),
  run_id: z.string(),
  content_digest: z.string(),
  chain: z.string(),
  sealed_at: z.coerce.date(),
  pruned: z.boolean(),
  content: z.string().nullable(),
  actual: z.string().nullable(),
});

const PAGE = 500;

/** The seals from `afterSeq` (exclusive) on, in chain order, a page at a time. */
export async function* readSeals(db: Queryable, afterSeq: number): AsyncGenerator<SealRow> {
  let after = afterSeq;
  for (;;) {
    const { rows } = await db.query(
      `SELECT s.seq, s.run_id::text AS run_id, s.content_digest, s.chain, s.sealed_at, s.pruned_at IS NOT NULL AS pruned,
              c.content, encode(sha256(convert_to(c.content, 'UTF8')), 'hex') AS actual
         FROM medic.seals s
         LEFT JOIN LATERAL (SELECT medic.run_content(s.run_id) AS content) c ON true
        WHERE s.seq > $1 ORDER BY s.seq LIMIT $2`,
      [after, PAGE],
    );
    const page = z.array(sealSchema).parse(rows);
    for (const r of page) {
      yield {
        seq: r.seq,
        runId: r.run_id,
        contentDigest: r.content_digest,
        chain: r.chain,
        sealedAt: r.sealed_at,
        pruned: r.pruned,
        content: r.content,
        actualDigest: r.actual,
      };
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/** The seal before the first one sealed at or after `since` (the chain verified from there). */
export async function sealBefore(
  db: Queryable,
  since: Date,
): Promise<{ readonly seq: number; readonly chain: string } | null> {
  const { rows } = await db.query(
    'SELECT seq, chain FROM medic.seals WHERE sealed_at < $1 ORDER BY seq DESC LIMIT 1',
    [since.toISOString()],
  );
  const row = z.array(z.object({ seq: z.coerce.number(), chain: z.string() })).parse(rows)[0];
  return row ?? null;
}

/** The seal at `seq`, if any. */
export async function sealAt(db: Queryable, seq: number): Promise<{ readonly chain: string } | null> {
  const { rows } = await db.query('SELECT chain FROM medic.seals WHERE seq = $1', [seq]);
  return z.array(z.object({ chain: z.string() })).parse(rows)[0] ?? null;
}

/** Runs that ended (since `since`) and carry no seal: written outside medic's sessions. */
export async function unsealedRuns(db: Queryable, since: Date | null): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT r.run_id::text AS run_id FROM medic.runs r
      WHERE r.finished_at IS NOT NULL AND ($1::timestamptz IS NULL OR r.finished_at >= $1)
        AND NOT EXISTS (SELECT 1 FROM medic.seals s WHERE s.run_id = r.run_id)
      ORDER BY r.finished_at, r.run_id`,
    [since?.toISOString() ?? null],
  );
  return z
    .array(z.object({ run_id: z.string() }))
    .parse(rows)
    .map((r) => r.run_id);
}

/**
 * Snapshots whose bytes no longer match their digest (plaintext ones: a sealed one is opened to
 * be checked, sealedSnapshotProblems), or whose digest is not the sealed run's.
 */
export async function alteredSnapshots(db: Queryable): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT s.run_id::text AS run_id FROM medic.snapshots s LEFT JOIN medic.runs r ON r.run_id = s.run_id
      WHERE s.key_id IS NULL AND 'sha256:' || encode(sha256(s.tar), 'hex') <> s.digest
         OR (r.result -> 'snapshot' ->> 'digest') IS DISTINCT FROM s.digest AND r.result IS NOT NULL
      ORDER BY s.created_at`,
  );
  return z
    .array(z.object({ run_id: z.string() }))
    .parse(rows)
    .map((r) => r.run_id);
}

export interface AuditCheck {
  readonly at: Date;
  readonly ok: boolean;
  readonly sealed: number;
  readonly firstBad: string | null;
  readonly problem: string | null;
}

/** Records what a verification found (the dashboard shows the last); false when this role may not. */
export async function recordCheck(
  db: Queryable,
  check: Omit<AuditCheck, 'at'> & { readonly head: { readonly seq: number; readonly chain: string } | null },
): Promise<boolean> {
  return db
    .query(
      'INSERT INTO medic.audit_checks (ok, sealed, head_seq, head, first_bad, problem) VALUES ($1, $2, $3, $4, $5::uuid, $6)',
      [
        check.ok,
        check.sealed,
        check.head?.seq ?? null,
        check.head?.chain ?? null,
        check.firstBad,
        check.problem,
      ],
    )
    .then(
      () => true,
      () => false,
    );
}

export async function lastCheck(db: Queryable): Promise<AuditCheck | null> {
  const { rows } = await db.query(
    `SELECT at, ok, sealed, first_bad::text AS first_bad, problem FROM medic.audit_checks ORDER BY id DESC LIMIT 1`,
  );
  const row = z
    .array(
      z.object({
        at: z.coerce.date(),
        ok: z.boolean(),
        sealed: z.number(),
        first_bad: z.string().nullable(),
        problem: z.string().nullable(),
      }),
    )
    .parse(rows)[0];
  return row
    ? { at: row.at, ok: row.ok, sealed: row.sealed, firstBad: row.first_bad, problem: row.problem }
    : null;
}
