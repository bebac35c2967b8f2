// sweep: recovers every workspace whose row says `failed` and whose config volume lacks
// config.yaml, at most `max` of them, `concurrency` at a time. What the watcher runs on a timer.
import type { CoreDeps, RunOptions } from '../model/deps.js';
import type { RecoveryResult } from '../model/result.js';
import { diagnose } from '../steps/diagnose.js';
import { listFailedWorkspaces } from '../store/workspace-store.js';
import { recover } from './recover.js';

export interface SweepOptions extends RunOptions {
  readonly concurrency: number;
  readonly max: number;
  /** Each recovery's result as it finishes (a fleet takes a while: the CLI shows them as they come). */
  readonly onResult?: (result: RecoveryResult) => void;
}

export interface SweepReport {
  readonly candidates: number;
  readonly skipped: ReadonlyArray<{ readonly id: string; readonly why: string }>;
  readonly results: readonly RecoveryResult[];
}

export async function sweep(deps: CoreDeps, options: SweepOptions): Promise<SweepReport> {
  // Read more rows than `max`: some failed rows have an intact volume and are not ours to fix.
  const rows = await listFailedWorkspaces(deps.db, Math.max(options.max * 4, 100));
  const skipped: { id: string; why: string }[] = [];
  const results: RecoveryResult[] = [];
  let taken = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length && taken < options.max) {
      const row = rows[next++]!;
      const d = await diagnose(deps.runtime, row).catch((error: unknown) => (error as Error).message);
      if (typeof d === 'string' || d.verdict !== 'needs-seed') {
        skipped.push({ id: row.id, why: typeof d === 'string' ? d : `verdict ${d.verdict}` });
        continue;
      }
      if (taken >= options.max) break;
      taken++;
      const result = await recover(deps, row.id, options);
      results.push(result);
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { candidates: rows.length, skipped, results };
}
