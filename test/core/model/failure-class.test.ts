// [storm] Failure classes: read from the error's stable code and, for the engine's own words,
// from what Docker said. What retrying cannot fix is not retryable.
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/core/index.js';

describe('classifyFailure', () => {
  it.each([
    ['TEMPLATE_NOT_FOUND', 'no template for runtime "nosuch"', 'template_missing', false],
    ['TEMPLATE_ESCAPE', 'runtime "../x" leaves the template root', 'template_invalid', false],
    ['START_TIMEOUT', 'ws-1 did not become healthy within 60 s', 'start_failed', true],
    ['CONTAINER_START_FAILED', 'exited 1 at once', 'start_failed', true],
    [
      'CONTAINER_START_FAILED',
      'Bind for 127.0.0.1:38080 failed: port is already allocated',
      'port_conflict',
      false,
    ],
    ['DOCKER_ERROR', 'write /configs/config.yaml: no space left on device', 'disk_full', false],
    ['DOCKER_ERROR', 'No such image: agent:1', 'image_missing', false],
    ['DOCKER_ERROR', 'the engine answered 500', 'engine_error', true],
    ['DOCKER_UNAVAILABLE', 'connect ENOENT /var/run/docker.sock', 'engine_unavailable', true],
    ['ENGINE_UNAVAILABLE', 'engine b has no live agent', 'engine_unavailable', true],
    ['DATABASE_UNAVAILABLE', 'ECONNREFUSED', 'database_unavailable', true],
    ['LEASE_LOST', 'another run took over', 'lease_lost', true],
    ['RESTART_BUDGET_EXCEEDED', '3 recoveries in 1h', 'budget_exhausted', false],
    ['WORKSPACE_NOT_FOUND', 'no workspace ws-1 in …', 'invalid_request', false],
    ['INTERNAL', 'something new', 'unknown', true],
  ])('%s: %s -> %s', (code, message, cls, retryable) => {
    expect(classifyFailure(code, message)).toEqual({ class: cls, retryable });
  });
});
