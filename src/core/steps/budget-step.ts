// The `budget` step: a workspace recovered more than MEDIC_RESTART_BUDGET times in its window
// keeps breaking, and is not recovered again without --force. Only recoveries that changed the
// workspace count (audit-store.ts's recentRecoveries): an attempt refused or stopped before
// touching anything (say, TEMPLATE_NOT_FOUND) leaves the budget as it was.
import { RestartBudgetExceededError } from '../model/errors.js';
import type { Run } from '../run/run.js';
import { recentRecoveries } from '../store/audit-store.js';
import { describeFlapping, flappingOf } from '../store/flapping-store.js';

export async function checkBudget(run: Run): Promise<void> {
  const budget = run.deps.config.restartBudget;
  const force = run.options.force ?? false;
  await run.step('budget', async () => {
    const use = await recentRecoveries(run.session, run.workspace.id, budget.windowMs);
    const text = `${use.used} of ${budget.max} recoveries used in the last ${budget.text.split('/')[1]}`;
    if (use.used < budget.max) return { detail: text, value: undefined };
    if (force) return { detail: `${text}; over budget, overridden by --force`, value: undefined };
    const counted = use.runIds.map((id) => id.slice(0, 8)).join(', ');
    const { regressionWindowMs } = run.deps.config;
    const f = await flappingOf(run.session, run.workspace.id, regressionWindowMs).catch(() => null);
    const why = f?.flapping ? describeFlapping(f, regressionWindowMs) : 'this workspace keeps breaking';
    throw new RestartBudgetExceededError(`${text} (runs ${counted}, each stopped or restarted it); ${why}`, {
      hint: `find why it keeps losing its config; the next recovery is allowed at ${use.frees?.toISOString() ?? 'once one leaves the window'}, or --force recovers it now`,
    });
  });
}
