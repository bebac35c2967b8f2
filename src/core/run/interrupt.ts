// A person's interrupt (the CLI's first Ctrl-C, RunOptions.interrupt): honoured at a safe
// point. Before the run's first change it ends there, INTERRUPTED, with nothing changed; once
// the run has begun changing the workspace it finishes (seed, start, mark online) and says so,
// so an interrupt never leaves a workspace stopped.
import type { RunOptions } from '../model/deps.js';
import { InterruptedError } from '../model/errors.js';
import type { WorkspaceRow } from '../store/workspace-store.js';

/** What of a run this needs (run.ts's Run, named by its shape so that neither imports the other). */
interface Interruptible {
  readonly changed: boolean;
  readonly options: RunOptions;
  readonly workspace: WorkspaceRow;
  step<T>(name: string, fn: () => Promise<{ detail: string; value: T }>): Promise<T>;
  skip(name: string, detail: string): Promise<void>;
}

/** Before a change: when interrupted and nothing is changed yet, ends the run here (a failed `interrupt` step). */
export async function stopIfInterrupted(run: Interruptible, before: string): Promise<void> {
  if (run.changed || !run.options.interrupt?.aborted) return;
  await run.step('interrupt', async () => {
    throw new InterruptedError(`interrupted before ${before}: ${run.workspace.id} was not changed`, {
      hint: 'run the same command again when you are ready',
    });
  });
}

/** After the run: an interrupt that came once it had begun changing the workspace, on the record. */
export async function noteInterrupt(run: Interruptible): Promise<void> {
  if (!run.changed || !run.options.interrupt?.aborted) return;
  await run.skip(
    'interrupt',
    'interrupted while it changed the workspace: finished first, so it was not left stopped',
  );
}
