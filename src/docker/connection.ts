// How medic reaches a Docker engine: DOCKER_HOST (unix://, tcp://, http(s)://) as a
// dockerode client, over TLS with the certificates in DOCKER_CERT_PATH when DOCKER_TLS_VERIFY
// is set (plain tcp:// is refused by the configuration unless MEDIC_ALLOW_INSECURE_DOCKER=1).
// The runtime port, the watcher's event feed and the demo share it, so every Docker client in
// the process reaches the same engine the same way.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Docker from 'dockerode';

export interface EngineAddress {
  readonly dockerHost: string | undefined;
  readonly dockerTls?: { readonly certPath: string } | null;
}

export function dockerOptions(engine: EngineAddress): Docker.DockerOptions {
  const { dockerHost, dockerTls } = engine;
  if (!dockerHost) return {};
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  const tls = url.protocol === 'https:' || Boolean(dockerTls);
  const port = Number(url.port || (tls ? 2376 : 2375));
  if (!tls) return { protocol: 'http', host: url.hostname, port };
  const certs = dockerTls
    ? {
        ca: readFileSync(path.join(dockerTls.certPath, 'ca.pem')),
        cert: readFileSync(path.join(dockerTls.certPath, 'cert.pem')),
        key: readFileSync(path.join(dockerTls.certPath, 'key.pem')),
      }
    : {};
  return { protocol: 'https', host: url.hostname, port, ...certs };
}

/**
 * A dockerode client for the engine; `timeoutMs` bounds each request's silence. A connection
 * per request (no keep-alive): Node 19+ keeps sockets alive by default, and a request with a
 * body (putArchive) written to one the engine has just closed fails with EPIPE. Over a unix
 * socket a connection costs well under a millisecond.
 */
export function connectDocker(engine: EngineAddress, timeoutMs?: number): Docker {
  const options = dockerOptions(engine);
  const agent = options.protocol === 'https' ? {} : { agent: new http.Agent({ keepAlive: false }) };
  return new Docker({ ...options, ...agent, ...(timeoutMs ? { timeout: timeoutMs } : {}) });
}
