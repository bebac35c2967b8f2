// The `budget` step: a workspace recovered more than MEDIC_RESTART_BUDGET times in its window
// keeps breaking, and is not recovered again without --force.
import { RestartBudgetExceededError } from '../model/errors.js';
import type { Run } from '../run/run.js';
import { countRecentRecoveries } from '../store/audit-store.js';

export async function checkBudget(run: Run): Promise<void> {
  const budget = run.deps.config.restartBudget;
  const force = run.options.force ?? false;
  await run.step('budget', async () => {
    const used = await countRecentRecoveries(run.session, run.workspace.id, budget.windowMs);
    const text = `${used} of ${budget.max} recoveries used in the last ${budget.text.split('/')[1]}`;
    if (used < budget.max) return { detail: text, value: undefined };
    if (force) return { detail: `${text}; over budget, overridden by --force`, value: undefined };
    throw new RestartBudgetExceededError(`${text}; this workspace keeps breaking`, {
      hint: 'find why it keeps losing its config; --force recovers it anyway',
    });
  });
}
