import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { ProblemSchema } from './problem.js';

/** The OpenAPI 3.1 document as produced by `@hono/zod-openapi`. */
export type OpenApiDocument = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;
type PathItem = NonNullable<OpenApiDocument['paths']>[string];
type Operation = NonNullable<PathItem['get']>;
type Responses = NonNullable<Operation['responses']>;

/** What the document says about this deployment. */
export interface OpenApiInfo {
  version: string;
  env: string;
}

/** Where the document is served. */
export const OPENAPI_PATH = '/openapi.json';

/** The three ways to send an API key, as OpenAPI security schemes (names used by `keySecurity`). */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'da_<env>_<secret>',
    description: 'Preferred: `Authorization: Bearer <key>`.',
  },
  apiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The key in the `X-API-Key` header.',
  },
  apiKeyQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'api_key',
    description:
      'The key in the `api_key` query parameter, for Power BI (`Web.Contents` with `ApiKeyName="api_key"`), which cannot send custom headers. Query strings are never logged; prefer a header anywhere else.',
  },
} as const;

const TAG_DESCRIPTIONS: Record<string, string> = {
  health: 'Liveness and readiness probes. No key needed.',
  insights:
    'Production insights computed in the warehouse: catalog, daily rows, variance, anomalies and digest. Scope `insights:read`.',
  rag: 'Retrieval over the indexed runbooks and dashboards, and grounded explanations that cite warehouse facts and documents. Scopes `rag:explain` and `rag:write`.',
  admin: 'API key management for this environment. Scope `admin`.',
  warehouse:
    'Loads into the embedded warehouse for pipelines: a CSV body and a registered mapping, validated and loaded as `datalive load-csv` does. Scope `warehouse:write` or `admin`.',
  operations: 'Machine-readable API description and Prometheus metrics.',
};

const DESCRIPTION = `Production insights, forecasts and grounded explanations for daily production operations.

**Keys.** Every key belongs to one environment (\`dev\`, \`qa\`, \`prod\`) and is rejected by the others. Send it as
\`Authorization: Bearer <key>\`, as \`X-API-Key: <key>\`, or (Power BI) as the \`api_key\` query parameter.

**Errors.** Every error is \`application/problem+json\` (RFC 9457) with a stable \`code\` and the \`request_id\`.

**Rate limits.** Per key and route class, announced in \`RateLimit-Policy\` and \`RateLimit\` headers; over the
budget the answer is 429 \`quota_exceeded\` with \`Retry-After\`.`;

/** The generator's config type is OpenAPI 3.0's, which lacks the 3.1 SPDX `identifier`; set afterwards. */
const LICENSE = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' };
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const documentRoute = createRoute({
  method: 'get',
  path: OPENAPI_PATH,
  tags: ['operations'],
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI 3.1 document',
  description:
    'The description of every operation, parameter, response and error of this API. No key needed.',
  responses: {
    200: {
      description: 'The OpenAPI 3.1 document.',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

/**
 * Registers the three key security schemes and serves `GET /openapi.json`: the OpenAPI 3.1 document
 * generated from the zod-openapi route definitions, completed by {@link completeDocument}. It is built on
 * first request (so routes mounted after this call are included) and then reused.
 */
export function registerOpenApi(app: OpenAPIHono<AppEnv>, info: OpenApiInfo): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  app.openAPIRegistry.register('Problem', ProblemSchema);
  let document: OpenApiDocument | undefined;
  app.openapi(documentRoute, (c) => {
    document ??= buildOpenApiDocument(app, info);
    c.header('Cache-Control', 'no-cache');
    return c.json(document, 200);
  });
}

/** Generates and completes the document of `app` (also used by tests and tooling). */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>, info: OpenApiInfo): OpenApiDocument {
  const generated = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'DatAlive API',
      version: info.version,
      description: `${DESCRIPTION}\n\nThis server runs the \`${info.env}\` environment.`,
      contact: { name: 'DatAlive platform team' },
    },
    servers: [{ url: '/', description: `This server (${info.env})` }],
  });
  generated.info.license = LICENSE;
  return completeDocument(generated);
}

/**
 * Fills what route definitions leave implicit, without inventing behaviour: a derived `operationId`
 * (`getInsightsDaily`, `postAdminKeysByIdRotate`) where none is set; `security: []` on public operations;
 * the 400 problem that the validation hook answers for operations with parameters or a body; the 500
 * problem every operation can answer; and a described tag for every tag in use.
 */
export function completeDocument(document: OpenApiDocument): OpenApiDocument {
  const usedOperationIds = new Set<string>();
  const usedTags = new Set<string>();
  for (const operation of operations(document)) {
    if (operation.operationId) usedOperationIds.add(operation.operationId);
  }
  for (const [pathName, pathItem] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      if (!operation.operationId) {
        operation.operationId = uniqueId(deriveOperationId(method, pathName), usedOperationIds);
      }
      operation.security ??= [];
      operation.responses = withErrorResponses(operation);
      for (const tag of operation.tags ?? []) usedTags.add(tag);
    }
  }
  const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag]));
  const knownOrder = Object.keys(TAG_DESCRIPTIONS);
  const rank = (name: string) => (knownOrder.includes(name) ? knownOrder.indexOf(name) : knownOrder.length);
  document.tags = [...usedTags]
    .sort((left, right) => rank(left) - rank(right))
    .map(
      (name) =>
        declared.get(name) ?? {
          name,
          description: TAG_DESCRIPTIONS[name] ?? `Operations tagged \`${name}\`.`,
        },
    );
  return document;
}

function* operations(document: OpenApiDocument): Generator<Operation> {
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (operation) yield operation;
    }
  }
}

function withErrorResponses(operation: Operation): Responses {
  const responses: Responses = { ...(operation.responses ?? {}) };
  const takesInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
  if (takesInput && !responses['400']) {
    responses['400'] = problemResponse(
      'Invalid parameters or body (code `invalid_parameter` or `invalid_request`).',
    );
  }
  if (!responses['500']) responses['500'] = problemResponse('Unexpected error (logged with the request id).');
  return responses;
}

function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: PROBLEM_REF } } };
}

/** `get` + `/admin/keys/{id}/rotate` → `getAdminKeysByIdRotate`. */
export function deriveOperationId(method: string, pathName: string): string {
  const words = pathName
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const parameter = segment.match(/^\{(.+)\}$/)?.[1];
      return parameter ? ['by', ...splitWords(parameter)] : splitWords(segment);
    });
  return [method.toLowerCase(), ...words.map((word) => word.charAt(0).toUpperCase() + word.slice(1))].join(
    '',
  );
}

function splitWords(text: string): string[] {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

function uniqueId(candidate: string, used: Set<string>): string {
  let id = candidate;
  for (let suffix = 2; used.has(id); suffix += 1) id = `${candidate}${suffix}`;
  used.add(id);
  return id;
}
