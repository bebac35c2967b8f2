// How medic reaches an engine: DOCKER_HOST as dockerode options, and a connection per request.
// Node 19+ keeps HTTP sockets alive by default; a request with a body (putArchive, the seed)
// written to one the engine had just closed failed with EPIPE under load (seen in CI), so
// medic's clients do not keep them.
import { describe, expect, it } from 'vitest';
import { connectDocker, dockerOptions } from '../../src/docker/connection.js';

describe('connectDocker', () => {
  it('reads DOCKER_HOST: the local socket, a unix path, plain tcp', () => {
    expect(dockerOptions({ dockerHost: undefined })).toEqual({});
    expect(dockerOptions({ dockerHost: 'unix:///run/medic-b/docker.sock' })).toEqual({
      socketPath: '/run/medic-b/docker.sock',
    });
    expect(dockerOptions({ dockerHost: 'tcp://10.0.0.5:2375' })).toEqual({
      protocol: 'http',
      host: '10.0.0.5',
      port: 2375,
    });
  });

  it('keeps no socket alive between requests', () => {
    for (const dockerHost of [undefined, 'unix:///run/medic-b/docker.sock', 'tcp://10.0.0.5:2375']) {
      const agent = (connectDocker({ dockerHost }).modem as unknown as { agent?: { keepAlive?: boolean } })
        .agent;
      expect(agent?.keepAlive, String(dockerHost)).toBe(false);
    }
  });
});
