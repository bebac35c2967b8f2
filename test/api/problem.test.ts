// Every error code medic can report has an HTTP status and a problem-details body that fits
// the OpenAPI document's Problem schema, with Retry-After where waiting is the answer.
import { describe, expect, it } from 'vitest';
import { problem, retryAfterOf, statusOf } from '../../src/api/problem.js';
import { ERROR_CATALOG } from '../../src/core/index.js';
import { checkResponse } from '../helpers/openapi-check.js';

describe('problem details', () => {
  it('maps every catalogued code to a documented status and a valid problem', () => {
    for (const code of Object.keys(ERROR_CATALOG)) {
      const p = problem(code, `what happened: ${code}`);
      expect(p).toMatchObject({ code, status: statusOf(code), type: `urn:workspace-medic:error:${code}` });
      expect(p.title.length).toBeGreaterThan(0);
      // POST /recoveries documents every status a code maps to.
      checkResponse('POST', '/api/v1/recoveries', p.status, 'application/problem+json', p);
    }
  });

  it('says when to come back for the codes that pass with time', () => {
    for (const code of ['LEASE_HELD', 'RATE_LIMITED', 'DOCKER_UNAVAILABLE', 'ENGINE_UNAVAILABLE']) {
      expect(retryAfterOf(code)).toBeGreaterThan(0);
    }
    expect(retryAfterOf('TEMPLATE_NOT_FOUND')).toBeNull();
    expect(statusOf('SOMETHING_NEW')).toBe(500);
  });
});
