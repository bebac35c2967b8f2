// What the Docker engine's failures mean: an engine that cannot be reached, a container that
// is not there, or an operation the engine refused, each as a coded MedicError.
import { ContainerNotFoundError, DockerOperationError, DockerUnavailableError } from '../core/index.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** Turns dockerode's errors into coded ones; `what` says what we were doing. */
export function dockerError(error: unknown, what: string, container?: string): Error {
  const e = error as { statusCode?: number; code?: string; json?: { message?: string }; message?: string };
  if (e?.code && UNREACHABLE.has(e.code)) {
    return new DockerUnavailableError(`Docker engine unreachable while trying to ${what} (${e.code})`, {
      hint: 'start the engine or set DOCKER_HOST; nothing was changed by this step',
      cause: error,
    });
  }
  if (e?.statusCode === 404 && container) {
    return new ContainerNotFoundError(`container ${container} does not exist`, { cause: error });
  }
  const detail = e?.json?.message ?? e?.message ?? String(error);
  return new DockerOperationError(`Docker could not ${what}: ${detail}`, { cause: error });
}

/**
 * An Engine API call, its failure made a medic error (dockerError); `okStatus` is a status
 * that means "already so" (304: a stop of a stopped container), answered with undefined.
 */
export async function engineCall<T>(
  what: string,
  fn: () => Promise<T>,
  container?: string,
  okStatus?: number,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (okStatus && (error as { statusCode?: number }).statusCode === okStatus) return undefined as T;
    throw dockerError(error, what, container);
  }
}
