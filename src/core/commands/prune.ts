// prune: removes snapshots and finished jobs older than the cut-off (default MEDIC_RETENTION),
// with `runs` the audit trail of runs that old, and the snapshot helpers a process that died
// mid-run left on the engine. A rollback of a pruned snapshot is NO_SNAPSHOT; `history` still
// shows the run unless runs were pruned too.

import type { CoreDeps } from '../model/deps.js';
import { pruneBlobs } from '../store/keep-store.js';
import { type PruneCounts, pruneOlderThan } from '../store/retention.js';
import { type Chore, type ChoreTiming, scheduleChores } from './chores.js';

export interface PruneOptions {
  /** Default: the configured retention (MEDIC_RETENTION). */
  readonly olderThanMs?: number;
  readonly dryRun?: boolean;
  readonly runs?: boolean;
}

/** What a prune removed: the database's counts, and the names of the engine's leftover helpers. */
export interface PruneReport extends PruneCounts {
  readonly helpers: readonly string[];
}

/**
 * A snapshot helper (a container created, never started, that reads a volume beside a
 * workspace's stop) lives for one run; one older than this was left by a process that died.
 */
const HELPER_AGE_MS = 10 * 60_000;

export async function prune(deps: CoreDeps, options: PruneOptions = {}): Promise<PruneReport> {
  const dryRun = options.dryRun ?? false;
  const counts = await pruneOlderThan(deps.db, options.olderThanMs ?? deps.config.retentionMs, {
    dryRun,
    runs: options.runs ?? false,
  });
  const helpers = (await deps.runtime.removeHelpers?.(HELPER_AGE_MS, dryRun)) ?? [];
  // [keep] The contents no last good copy names any more (copies go by MEDIC_KEEP_COPIES).
  if (!dryRun) await pruneBlobs(deps.db);
  return { ...counts, helpers };
}

/**
 * The daily prune as a chore (chores.ts): of every app replica, `medic watch` and agent that
 * schedules it, one runs it each day, and one that fails is retried with the backoff, not the
 * next day. Until the returned function is called.
 */
export function pruneDaily(deps: CoreDeps, timing?: ChoreTiming): () => void {
  return scheduleChores(deps, [pruneChore(deps)], timing);
}

export function pruneChore(deps: CoreDeps): Chore {
  return {
    name: 'prune',
    everyMs: 86_400_000,
    run: async () => {
      const counts = await prune(deps);
      if (counts.snapshots + counts.jobs + counts.helpers.length > 0)
        deps.logger.info({ ...counts }, 'pruned by MEDIC_RETENTION');
      return `removed ${counts.snapshots} snapshots, ${counts.jobs} finished jobs, ${counts.helpers.length} leftover helpers`;
    },
  };
}
