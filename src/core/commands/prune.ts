// prune: removes snapshots and finished jobs older than the cut-off (default MEDIC_RETENTION),
// and with `runs` the audit trail of runs that old. A rollback of a pruned snapshot is
// NO_SNAPSHOT; `history` still shows the run unless runs were pruned too.
import type { CoreDeps } from '../model/deps.js';
import { type PruneCounts, pruneOlderThan } from '../store/retention.js';

export interface PruneOptions {
  /** Default: the configured retention (MEDIC_RETENTION). */
  readonly olderThanMs?: number;
  readonly dryRun?: boolean;
  readonly runs?: boolean;
}

export async function prune(deps: CoreDeps, options: PruneOptions = {}): Promise<PruneCounts> {
  return pruneOlderThan(deps.db, options.olderThanMs ?? deps.config.retentionMs, {
    dryRun: options.dryRun ?? false,
    runs: options.runs ?? false,
  });
}

/** Prunes now and then every day, until the returned function is called (the watcher, the app). */
export function pruneDaily(deps: CoreDeps): () => void {
  const run = () =>
    prune(deps).then(
      (counts) => {
        if (counts.snapshots + counts.jobs > 0) deps.logger.info({ ...counts }, 'pruned by MEDIC_RETENTION');
      },
      (error: unknown) =>
        deps.logger.warn({ err: (error as Error).message }, 'daily prune failed; will retry tomorrow'),
    );
  void run();
  const timer = setInterval(() => void run(), 86_400_000);
  timer.unref();
  return () => clearInterval(timer);
}
