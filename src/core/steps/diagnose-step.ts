// A changing run's first step, `diagnose` (the engine answers; what the workspace's container
// and volume hold), and what no run acts on: a workspace the platform parked (removed,
// paused, hibernated), a container that does not exist, one without a named volume at /configs.
import {
  ConfigMountMissingError,
  ContainerNotFoundError,
  StatusNotRecoverableError,
} from '../model/errors.js';
import type { Run } from '../run/run.js';
import { type Diagnosis, describe, diagnose } from './diagnose.js';

/**
 * The `diagnose` step of recover and rollback; throws what no run acts on. `engine` is the
 * engine's answer to a ping the caller began earlier (beside its lease), else one asked now.
 */
export async function diagnoseStep(run: Run, engine?: Promise<void>): Promise<Diagnosis> {
  const found = await run.step('diagnose', async () => {
    await (engine ?? run.deps.runtime.ping());
    const d = await diagnose(run.deps.runtime, run.workspace);
    return { detail: describe(d), value: d };
  });
  refuseUnactionable(found);
  return found;
}

export function refuseUnactionable(d: Diagnosis): void {
  if (d.verdict === 'not-recoverable') {
    throw new StatusNotRecoverableError(
      `workspace ${d.container} is ${d.workspace.status}; medic does not touch it`,
      {
        hint: 'the platform parked it on purpose; change its status there first',
      },
    );
  }
  if (d.verdict === 'no-container') {
    if (!d.state) {
      throw new ContainerNotFoundError(`container ${d.container} does not exist`, {
        hint: 'medic recovers existing containers; re-provision the workspace from the platform',
      });
    }
    throw new ConfigMountMissingError(`container ${d.container} has no named volume mounted at /configs`);
  }
}
