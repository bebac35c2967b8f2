// The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the handlers validate
// with (schemas.ts). Served at /api/v1/openapi.json and committed as docs/openapi.json (the
// docs test checks that the two match and that the document is valid OpenAPI).
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  API_BASE,
  diagnosesRequestSchema,
  diagnosesResponseSchema,
  MAX_WAIT_S,
  problemSchema,
  progressSchema,
  recoveryRequestSchema,
  resultSchema,
  runsResponseSchema,
} from './schemas.js';

extendZodWithOpenApi(z);

let cached: object | null = null;

export function openApiDocument(): object {
  cached ??= build();
  return cached;
}

// What every operation's entry uses: the registry, the security scheme, the shared schemas
// and the problem responses.
interface Parts {
  readonly registry: OpenAPIRegistry;
  readonly security: { [name: string]: string[] }[];
  readonly result: ReturnType<OpenAPIRegistry['register']>;
  readonly progress: ReturnType<OpenAPIRegistry['register']>;
  readonly problemResponse: (description: string) => ResponseConfig;
  readonly errors: Record<400 | 401 | 403 | 404 | 429 | 500, ResponseConfig>;
}

function build(): object {
  const parts = sharedParts();
  postRecoveries(parts);
  getRecovery(parts);
  postDiagnoses(parts);
  getRuns(parts);
  return new OpenApiGeneratorV31(parts.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'workspace-medic',
      version: '1',
      description:
        'The HTTP API of workspace-medic: recover, diagnose and read the runs of agent workspaces (docs/api.md).',
    },
    servers: [{ url: API_BASE }],
  });
}

function sharedParts(): Parts {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'a token from `medic token create <client>`; the client must be under `clients:` in the policy',
  });
  const result = registry.register('Result', resultSchema);
  const problem = registry.register('Problem', problemSchema);
  const progress = registry.register('Progress', progressSchema);
  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: problem } },
  });
  const errors = {
    400: problemResponse('INVALID_REQUEST, INVALID_TARGET, TOO_MANY_TARGETS'),
    401: problemResponse('UNAUTHENTICATED: no token, or an unknown or revoked one'),
    403: problemResponse(
      'CLIENT_NOT_GRANTED, WORKSPACE_NOT_GRANTED, PERMISSION_DENIED (a refused run: `result` has it)',
    ),
    404: problemResponse('WORKSPACE_NOT_FOUND, RUN_NOT_FOUND, or no such operation'),
    429: problemResponse('RATE_LIMITED: over the calls per minute of this client (see Retry-After)'),
    500: problemResponse('INTERNAL, or a run that failed for a reason in its `result`'),
  };
  const security = [{ [bearer.name]: [] }];
  return { registry, security, result, progress, problemResponse, errors };
}

function postRecoveries({ registry, security, result, progress, problemResponse, errors }: Parts): void {
  registry.registerPath({
    method: 'post',
    path: '/recoveries',
    summary: 'Recover a workspace (idempotent by Idempotency-Key)',
    security,
    request: {
      headers: z.object({
        'Idempotency-Key': z
          .string()
          .min(1)
          .max(255)
          .describe('the same key and body within 24 h: the same run'),
        Prefer: z
          .string()
          .optional()
          .describe(`wait=N (at most ${MAX_WAIT_S}): answer with the result if it ends by then`),
      }),
      body: { required: true, content: { 'application/json': { schema: recoveryRequestSchema } } },
    },
    responses: {
      200: {
        description: 'the run ended and succeeded (recovered, healthy, planned)',
        content: { 'application/json': { schema: result } },
      },
      202: {
        description: 'accepted: the run goes on; follow Location',
        headers: { Location: { schema: { type: 'string' } } },
        content: { 'application/json': { schema: progress } },
      },
      ...errors,
      409: problemResponse(
        'LEASE_HELD (busy: see Retry-After), STATUS_NOT_RECOVERABLE, RESTART_BUDGET_EXCEEDED, AMBIGUOUS_WORKSPACE, BREAKER_OPEN (too many broken at once: a person closes the breaker, or the call says force if its client may)',
      ),
      422: problemResponse(
        'IDEMPOTENCY_KEY_REUSED, TEMPLATE_NOT_FOUND and the other run failures the caller cannot retry away',
      ),
      502: problemResponse('the engine failed an operation (DOCKER_ERROR, CONTAINER_START_FAILED)'),
      503: problemResponse(
        'DOCKER_UNAVAILABLE, DATABASE_UNAVAILABLE, ENGINE_UNAVAILABLE, WORKSPACE_NOT_PLACED (see Retry-After)',
      ),
      504: problemResponse('START_TIMEOUT'),
    },
  });
}

function getRecovery({ registry, security, result, progress, errors }: Parts): void {
  registry.registerPath({
    method: 'get',
    path: '/recoveries/{runId}',
    summary: 'A run this client started: its result, or its steps so far',
    security,
    request: { params: z.object({ runId: z.string().uuid() }) },
    responses: {
      200: {
        description: 'the result when it ended, else its progress',
        content: { 'application/json': { schema: z.union([result, progress]) } },
      },
      401: errors[401],
      404: errors[404],
      429: errors[429],
    },
  });
}

function postDiagnoses({ registry, security, errors }: Parts): void {
  registry.registerPath({
    method: 'post',
    path: '/diagnoses',
    summary: 'Diagnose up to 10 workspaces (changes nothing)',
    security,
    request: {
      body: { required: true, content: { 'application/json': { schema: diagnosesRequestSchema } } },
    },
    responses: {
      200: {
        description: 'a diagnosis or an error per target',
        content: { 'application/json': { schema: diagnosesResponseSchema } },
      },
      400: errors[400],
      401: errors[401],
      429: errors[429],
    },
  });
}

function getRuns({ registry, security, errors }: Parts): void {
  const target = z.string().openapi({ param: { name: 'target', in: 'path' }, example: 'ws-92f6d88b-6a9' });
  registry.registerPath({
    method: 'get',
    path: '/workspaces/{target}/runs',
    summary: "A workspace's runs, newest first (the client's `diagnose` is checked)",
    security,
    request: {
      params: z.object({ target }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }),
    },
    responses: {
      200: { description: 'its runs', content: { 'application/json': { schema: runsResponseSchema } } },
      ...errors,
    },
  });
}
