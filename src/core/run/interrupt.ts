// A person's interrupt (the CLI's first Ctrl-C, a process's SIGTERM drain: RunOptions.interrupt),
// honoured at a safe point, where the run ends `interrupted` (its `interrupt` step says where):
// - before its first change: it stops there, nothing changed;
// - once it has begun changing the workspace (it stopped the container): it finishes seed,
//   start and mark online first, so an interrupt never leaves a workspace stopped or its row
//   saying what is not so, and then ends `interrupted`.
import type { RunOptions } from '../model/deps.js';
import { InterruptedError } from '../model/errors.js';
import { containerName } from '../model/names.js';
import type { WorkspaceRow } from '../store/workspace-store.js';

/** What of a run this needs (run.ts's Run, named by its shape so that neither imports the other). */
interface Interruptible {
  readonly changed: boolean;
  readonly options: RunOptions;
  readonly workspace: WorkspaceRow;
  step<T>(name: string, fn: () => Promise<{ detail: string; value: T }>): Promise<T>;
}

/** Before a change step: when interrupted and nothing is changed yet, ends the run here (a failed `interrupt` step). */
export async function stopIfInterrupted(run: Interruptible, before: string): Promise<void> {
  if (run.changed || !run.options.interrupt?.aborted) return;
  await run.step('interrupt', async () => {
    throw new InterruptedError(
      `interrupted before ${before}: ${containerName(run.workspace.id)} was not changed`,
      {
        hint: 'run the same command again when you are ready',
      },
    );
  });
}

/**
 * After the run's last step: an interrupt that came once it had begun changing the workspace
 * ends it `interrupted` too, on the record with where that left the workspace.
 */
export async function endIfInterrupted(run: Interruptible, statusAfter: string | null): Promise<void> {
  if (!run.changed || !run.options.interrupt?.aborted) return;
  await run.step('interrupt', async () => {
    throw new InterruptedError(
      `interrupted while it changed ${containerName(run.workspace.id)}: it finished first (it was not left stopped), status ${statusAfter ?? 'unknown'}`,
      {
        hint: 'nothing is left to do for this workspace; run the command again for targets it did not reach',
      },
    );
  });
}
