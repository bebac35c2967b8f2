// Waiting for a started container: running is enough without a HEALTHCHECK; with one, healthy;
// an exit, an unhealthy report or the deadline each fail with their own code.
import { describe, expect, it } from 'vitest';
import { waitRunning } from '../../../src/core/steps/wait-running.js';
import { fastClock } from '../../helpers/core-deps.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

const NAME = 'ws-92f6d88b-6a9';

describe('waitRunning', () => {
  it('is done at once for a running container without a health check', async () => {
    const rt = new FakeRuntime();
    rt.add(NAME);
    await expect(waitRunning(rt.port, fastClock, NAME, 1)).resolves.toBe('running');
  });

  it('waits for healthy when the image has a health check', async () => {
    const rt = new FakeRuntime();
    const c = rt.add(NAME, { health: 'starting' });
    setTimeout(() => {
      c.health = 'healthy';
    }, 30);
    await expect(waitRunning(rt.port, fastClock, NAME, 5)).resolves.toBe('running, healthy');
  });

  it.each([
    [{ running: false, exitCode: 3 }, 'CONTAINER_START_FAILED'],
    [{ health: 'unhealthy' }, 'CONTAINER_START_FAILED'],
    [{ health: 'starting' }, 'START_TIMEOUT'],
  ])('fails for %j with %s', async (state, code) => {
    const rt = new FakeRuntime();
    rt.add(NAME, state);
    await expect(waitRunning(rt.port, fastClock, NAME, 0)).rejects.toMatchObject({ code });
  });

  it('fails with CONTAINER_NOT_FOUND when the container vanished', async () => {
    await expect(waitRunning(new FakeRuntime().port, fastClock, NAME, 1)).rejects.toMatchObject({
      code: 'CONTAINER_NOT_FOUND',
    });
  });
});
