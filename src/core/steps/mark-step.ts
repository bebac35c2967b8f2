// The `mark-online` step, and the row set to `failed` when a run that stopped the container could
// not bring it back: the platform's row says what is true.
import { StatusChangedError } from '../model/errors.js';
import type { Run } from '../run/run.js';
import { setStatusGuarded } from '../store/workspace-store.js';
import type { Diagnosis } from './diagnose.js';

/** Sets the row online unless the platform parked the workspace meanwhile (STATUS_CHANGED). */
export async function markOnline(run: Run, found: Diagnosis): Promise<void> {
  await run.change('mark-online', async () => {
    const after = await setStatusGuarded(run.session, found.workspace.id, 'online');
    run.draft.status(after);
    if (after !== 'online') {
      throw new StatusChangedError(`workspace became ${after} during the run; its status was left as is`, {
        hint: 'the workspace is running; stop it if the platform parked it on purpose',
      });
    }
    return { detail: `status ${found.workspace.status} -> online`, value: undefined };
  });
}

export async function markFailed(run: Run, found: Diagnosis): Promise<void> {
  const after = await setStatusGuarded(run.session, found.workspace.id, 'failed').catch(() => null);
  if (after) run.draft.status(after);
}
