// --force on a held workspace (hold-gate.ts lets it through): the hold ends here, once the run
// holds the lease and is about to change the workspace, never in a dry run, with `hold.ended`.
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { endHolds, type Hold } from '../store/hold-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { emit } from './signals.js';

/** What of a run this needs (run.ts's Run, named by its shape so that neither imports the other). */
interface HoldEnder {
  readonly id: string;
  readonly deps: CoreDeps;
  readonly options: RunOptions;
  readonly workspace: WorkspaceRow;
  step<T>(name: string, fn: () => Promise<{ detail: string; value: T }>): Promise<T>;
}

export async function endForcedHold(run: HoldEnder, hold: Hold): Promise<void> {
  await run.step('hold', async () => {
    await run.options.fence?.();
    const ended = await endHolds(
      run.deps.db,
      { scope: 'workspace', workspaceId: run.workspace.id },
      run.options.actor,
      `ended by --force (run ${run.id})`,
    );
    for (const h of ended) await emit(run.deps, 'hold.ended', h, run.workspace);
    return {
      detail: ended.length
        ? `ended the hold of ${hold.holder} (${hold.reason}) with --force`
        : `the hold of ${hold.holder} had already ended`,
      value: undefined,
    };
  });
}
