// [storm] Failure classes on the real engine: a workspace whose port another container holds
// fails its start as `port_conflict`, not retryable (the watcher waits its longest backoff
// rather than trying again at once); and the engine's own words for an image that is gone are
// read as `image_missing`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure, recover } from '../../src/core/index.js';
import { type TestWorld, testWorld } from '../helpers/services.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
}, 60_000);
afterAll(() => world?.close());

describe('failure classes on the real engine', () => {
  it('a start that meets a port another container holds: port_conflict, not retryable', async () => {
    const port = String(30_000 + Math.floor(Math.random() * 20_000));
    const bindings = { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: port }] };
    const ws = await world.broken({ network: 'bridge', portBindings: bindings, running: false });
    const holder = await world.docker.createContainer({
      Image: world.image,
      Cmd: ['sleep', '3600'],
      Labels: { [world.label.split('=')[0]!]: world.label.split('=')[1]! },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { NetworkMode: 'bridge', PortBindings: bindings },
    });
    await holder.start();
    try {
      const result = await recover(world.deps(), ws.container, { actor: 'alice', source: 'cli' });
      expect(result).toMatchObject({
        outcome: 'failed',
        class: 'port_conflict',
        retryable: false,
        error: { message: expect.stringMatching(/port is already allocated|address already in use/) },
      });
      expect(await world.status(ws.id)).toBe('failed');
    } finally {
      await holder.remove({ force: true });
    }
  }, 60_000);

  it("the engine's words for an image that is gone read as image_missing", async () => {
    const said = await world.docker.createContainer({ Image: 'workspace-medic/gone:0', Cmd: ['true'] }).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(said).not.toBe('');
    expect(classifyFailure('DOCKER_ERROR', said)).toEqual({ class: 'image_missing', retryable: false });
  });
});
