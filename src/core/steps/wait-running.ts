// Waits for a started container to be running (and healthy, when its image has a
// HEALTHCHECK), bounded by a timeout; polls with a short backoff.
import { ContainerNotFoundError, ContainerStartFailedError, StartTimeoutError } from '../model/errors.js';
import type { Clock, ContainerRuntime } from '../model/ports.js';

export async function waitRunning(
  runtime: ContainerRuntime,
  clock: Clock,
  container: string,
  timeoutS: number,
): Promise<string> {
  const deadline = clock.now().getTime() + timeoutS * 1000;
  let delay = 25;
  for (;;) {
    const state = await runtime.inspect(container);
    if (!state) throw new ContainerNotFoundError(`container ${container} disappeared while starting`);
    if (!state.running) {
      throw new ContainerStartFailedError(
        `container ${container} exited (code ${state.exitCode ?? '?'}) after start`,
        {
          hint: `read its log: docker logs ${container}`,
        },
      );
    }
    if (state.health === null) return 'running';
    if (state.health === 'healthy') return 'running, healthy';
    if (state.health === 'unhealthy') {
      throw new ContainerStartFailedError(`container ${container} reports unhealthy after start`, {
        hint: `inspect its health check: docker inspect ${container}`,
      });
    }
    if (clock.now().getTime() >= deadline) {
      throw new StartTimeoutError(
        `container ${container} was not ${state.health === 'starting' ? 'healthy' : 'running'} within ${timeoutS}s`,
        {
          hint: 'raise MEDIC_START_TIMEOUT_S if this workspace is slow to start',
        },
      );
    }
    await clock.sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}
