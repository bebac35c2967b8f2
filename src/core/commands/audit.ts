// medic audit verify | export: the trail's seals walked (docs/security.md, "A trail that shows
// tampering"). Each ended run is sealed by the database as it ends: a digest over its content,
// chained to the previous seal's. Walking the chain names the first run that was changed after
// its seal, deleted without a prune, or written outside medic (never sealed); a removed or
// rewritten seal breaks the chain at the next run. A head kept outside (`medic audit export`'s
// last line) proves later that nothing up to it changed, whoever holds the database.
import { createHash } from 'node:crypto';
import type { CoreDeps } from '../model/deps.js';
import {
  alteredSnapshots,
  readSeals,
  recordCheck,
  type SealRow,
  sealAt,
  sealBefore,
  unsealedRuns,
} from '../store/seal-store.js';
import { sealedSnapshotProblems } from '../store/snapshot-store.js';

export type AuditProblemKind = 'changed' | 'deleted' | 'chain' | 'unsealed' | 'snapshot' | 'head';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  readonly runId: string | null;
  readonly seq: number | null;
  readonly what: string;
}

export interface TrailHead {
  readonly seq: number;
  readonly chain: string;
}

export interface AuditReport {
  readonly ok: boolean;
  /** Seals walked. */
  readonly sealed: number;
  readonly head: TrailHead | null;
  /** In chain order; unsealed runs and altered snapshots after the chain's own. */
  readonly problems: readonly AuditProblem[];
}

export interface AuditOptions {
  /** Verify the seals from this moment on (the chain before it is taken as it is). */
  readonly since?: Date;
  /** A head kept outside: the chain must still pass through it. */
  readonly head?: TrailHead;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The chain's next link: sha256 of the previous link followed by this run's digest. */
export const nextLink = (previous: string, digest: string): string => sha256(previous + digest);

function problemsOf(seal: SealRow, expectedChain: string): AuditProblem[] {
  const at = { runId: seal.runId, seq: seal.seq };
  const found: AuditProblem[] = [];
  if (seal.chain !== expectedChain) {
    found.push({
      kind: 'chain',
      ...at,
      what: 'the chain breaks at this seal: a seal before it was removed, or this one was rewritten',
    });
  }
  if (seal.content === null && !seal.pruned) {
    found.push({ kind: 'deleted', ...at, what: 'the run was deleted, not pruned' });
  } else if (seal.content !== null && seal.actualDigest !== seal.contentDigest) {
    found.push({ kind: 'changed', ...at, what: 'the run or its steps changed after it was sealed' });
  }
  return found;
}

export async function verifyTrail(deps: CoreDeps, o: AuditOptions = {}): Promise<AuditReport> {
  const start = o.since ? await sealBefore(deps.db, o.since) : null;
  let previous = start?.chain ?? '';
  let head: TrailHead | null = start;
  let sealed = 0;
  const problems: AuditProblem[] = [];
  for await (const seal of readSeals(deps.db, start?.seq ?? 0)) {
    problems.push(...problemsOf(seal, nextLink(previous, seal.contentDigest)));
    previous = seal.chain;
    head = { seq: seal.seq, chain: seal.chain };
    sealed++;
  }
  for (const runId of await unsealedRuns(deps.db, o.since ?? null)) {
    problems.push({
      kind: 'unsealed',
      runId,
      seq: null,
      what: 'the run ended but was never sealed: it was written outside medic',
    });
  }
  for (const runId of await alteredSnapshots(deps.db)) {
    problems.push({
      kind: 'snapshot',
      runId,
      seq: null,
      what: "the run's snapshot does not match its digest: a rollback of it would restore other bytes",
    });
  }
  for (const { runId, what } of await sealedSnapshotProblems(deps.db, deps.config.dataKeys)) {
    problems.push({ kind: 'snapshot', runId, seq: null, what: `the run's encrypted snapshot ${what}` });
  }
  if (o.head) {
    const there = await sealAt(deps.db, o.head.seq);
    if (there?.chain !== o.head.chain) {
      problems.push({
        kind: 'head',
        runId: null,
        seq: o.head.seq,
        what: there
          ? `the chain no longer passes through the head kept outside (seal ${o.head.seq}): the trail up to it was rewritten`
          : `seal ${o.head.seq}, the head kept outside, is gone`,
      });
    }
  }
  const report: AuditReport = { ok: problems.length === 0, sealed, head, problems };
  const first = problems[0];
  const recorded = await recordCheck(deps.db, {
    ok: report.ok,
    sealed,
    head,
    firstBad: first?.runId ?? null,
    problem: first ? first.what : null,
  });
  if (!recorded)
    deps.logger.debug({}, 'this role may not record the check; the dashboard shows the last recorded');
  return report;
}

/** One sealed record as `medic audit export` writes it (a JSON line). */
export interface ExportedSeal {
  readonly seq: number;
  readonly run_id: string;
  readonly sealed_at: string;
  /** The exact text whose sha256 is `content_digest` (null: the run was pruned). */
  readonly content: string | null;
  readonly content_digest: string;
  readonly chain: string;
  readonly pruned: boolean;
}

/** Writes the sealed records from `since` on, then the head, each as one value to `write`. */
export async function exportTrail(
  deps: CoreDeps,
  write: (record: ExportedSeal | { readonly head: TrailHead | null; readonly exported_at: string }) => void,
  o: { readonly since?: Date } = {},
): Promise<TrailHead | null> {
  const start = o.since ? await sealBefore(deps.db, o.since) : null;
  let head: TrailHead | null = start;
  for await (const seal of readSeals(deps.db, start?.seq ?? 0)) {
    write({
      seq: seal.seq,
      run_id: seal.runId,
      sealed_at: seal.sealedAt.toISOString(),
      content: seal.content,
      content_digest: seal.contentDigest,
      chain: seal.chain,
      pruned: seal.pruned,
    });
    head = { seq: seal.seq, chain: seal.chain };
  }
  write({ head, exported_at: deps.clock.now().toISOString() });
  return head;
}
