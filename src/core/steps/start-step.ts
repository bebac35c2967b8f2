// The `start` and `wait` steps: the container started and waited for until it runs (healthy,
// when it has a health check), then the row marked online; a start that fails marks it failed.
import type { Run } from '../run/run.js';
import type { Diagnosis } from './diagnose.js';
import { markFailed, markOnline } from './mark-step.js';
import { waitRunning } from './wait-running.js';

export async function startAndMarkOnline(run: Run, found: Diagnosis): Promise<void> {
  const { deps } = run;
  const name = found.container;
  try {
    await run.change('start', async () => {
      await deps.runtime.start(name);
      return { detail: `started ${name}`, value: undefined };
    });
    await run.step('wait', async () => {
      const state = await waitRunning(deps.runtime, deps.clock, name, deps.config.startTimeoutS);
      return { detail: state, value: undefined };
    });
  } catch (error) {
    await markFailed(run, found);
    throw error;
  }
  await markOnline(run, found);
}
