// The `settle` step: after a change that failed midway, the container is started again and the
// row says what is true.
import type { Run } from '../run/run.js';
import { setStatusGuarded } from '../store/workspace-store.js';
import type { Diagnosis } from './diagnose.js';

/**
 * After a rollback failed midway: the container is started again (the previous content is in
 * place) and the row says what is true: online when it runs with its config, else failed.
 */
export async function settleAfterFailure(run: Run, found: Diagnosis): Promise<void> {
  const { runtime } = run.deps;
  await run
    .step('settle', async () => {
      await runtime.start(found.container).catch(() => undefined);
      const state = await runtime.inspect(found.container).catch(() => null);
      const config = state?.running
        ? await runtime.statConfig(found.container, 'config.yaml').catch(() => null)
        : null;
      const truth = state?.running && config === 'file' ? 'online' : 'failed';
      run.draft.status(await setStatusGuarded(run.session, found.workspace.id, truth));
      return {
        detail: `${found.container} ${state?.running ? 'running' : 'not running'}; status ${truth}`,
        value: undefined,
      };
    })
    .catch(() => undefined); // the run's own error is the one that explains it
}
