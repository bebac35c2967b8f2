// Whether a hold keeps this run off its workspace. People (and the HTTP API) are kept off by a
// hold on the workspace itself, unless they say --force (their grant already asked for the
// elevated role), which ends the hold (once the run holds the lease and changes something: never
// in a dry run) and says so in the run's steps; the automatic paths are
// also kept off by a fleet or engine hold, and never end one.
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { type RefusalError, WorkspaceHeldError } from '../model/errors.js';
import { containerName } from '../model/names.js';
import type { ResultDraft } from '../run/result-draft.js';
import { describeHold, holdOn } from '../store/hold-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';

export async function passHold(
  deps: CoreDeps,
  draft: ResultDraft,
  options: RunOptions,
  workspace: WorkspaceRow,
): Promise<RefusalError | null> {
  const started = deps.clock.monotonicMs();
  const automatic = options.source === 'auto';
  const container = containerName(workspace.id);
  const hold = await holdOn(deps.db, { id: workspace.id, container }, { automatic });
  if (!hold) return null;
  if (options.force && !automatic && hold.scope === 'workspace') {
    // A dry run ends nothing; a real one ends the hold only once it holds the lease and is
    // about to change the workspace (Run.change), and says so with `hold.ended`.
    if (options.dryRun) {
      draft.early({
        name: 'hold',
        status: 'skipped',
        ms: Math.round(deps.clock.monotonicMs() - started),
        detail: `dry run: --force would end the hold of ${hold.holder} (${hold.reason})`,
      });
    } else {
      draft.endsHold(hold);
    }
    return null;
  }
  return new WorkspaceHeldError(`${container} is ${describeHold(hold)}`, {
    hint:
      hold.scope === 'workspace'
        ? `wait until it ends, ask ${hold.holder}, or --force with the elevated role (it ends the hold)`
        : 'a maintenance window keeps the automatic paths off; people can still act',
  });
}
