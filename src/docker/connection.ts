// How medic reaches a Docker engine: DOCKER_HOST (unix://, tcp://, http(s)://) as a
// dockerode client. The runtime port, the watcher's event feed and the demo share it, so
// every Docker client in the process reaches the same engine the same way.
import Docker from 'dockerode';

export function dockerOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { protocol, host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)) };
}

/** A dockerode client for DOCKER_HOST; `timeoutMs` bounds each request's silence. */
export function connectDocker(dockerHost: string | undefined, timeoutMs?: number): Docker {
  return new Docker({ ...dockerOptions(dockerHost), ...(timeoutMs ? { timeout: timeoutMs } : {}) });
}
