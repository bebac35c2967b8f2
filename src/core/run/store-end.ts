// How a run ended, stored with the steps its trail does not hold yet. A run whose session went
// away (a Postgres restart) still stores it, through a connection of its own, retrying; then
// the log says how it ended.
import type { CoreDeps } from '../model/deps.js';
import { asMedicError, DatabaseUnavailableError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import { finishRun } from '../store/audit-store.js';
import { persistently } from '../store/persistently.js';
import type { NumberedStep } from '../store/step-trail.js';

export async function storeEnd(
  deps: CoreDeps,
  session: Queryable,
  result: RecoveryResult,
  unrecorded: readonly NumberedStep[],
): Promise<void> {
  await finishRun(session, result, unrecorded).catch((error: unknown) => {
    if (!(asMedicError(error) instanceof DatabaseUnavailableError)) throw error;
    return persistently(() => finishRun(deps.db, result, unrecorded), {
      clock: deps.clock,
      forS: 60,
      onRetry: (e, delayMs) =>
        deps.logger.warn({ runId: result.runId, err: e.message, delayMs }, 'cannot store the run yet'),
    });
  });
  const { runId, command, outcome } = result;
  deps.logger.info(
    { runId, command, workspace: result.workspace.id, outcome, error: result.error?.code },
    'run finished',
  );
}
