// The `stop` step: the container stopped before its volume is read or written.
import type { Run } from '../run/run.js';
import type { Diagnosis } from './diagnose.js';

/** The `stop` step, skipped when the container was not running. */
export async function stopIfRunning(run: Run, found: Diagnosis): Promise<void> {
  const { runtime, config } = run.deps;
  const name = found.container;
  if (found.state?.running) {
    await run.change('stop', async () => {
      await runtime.stop(name, config.stopTimeoutS);
      return { detail: `stopped ${name}`, value: undefined };
    });
  } else {
    await run.skip('stop', `${name} was not running`);
  }
}
