// How medic reaches the Docker engine (DOCKER_HOST as dockerode options) and what its
// failures mean: an engine that cannot be reached, a container that is not there, or an
// operation the engine refused, each as a coded MedicError.
import type Docker from 'dockerode';
import {
  ContainerNotFoundError,
  DockerOperationError,
  DockerUnavailableError,
} from '../core/model/errors.js';

export function dockerOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { protocol, host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)) };
}

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
