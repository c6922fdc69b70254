import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../../../src/http/openapi-document.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores, tempDir } from '../../support/services.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
type Operation = Record<string, unknown> & {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, { content?: Record<string, unknown> }>;
};

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{
    ruleId: string;
    severity: string;
    message: string;
    location: Array<{ pointer: string }>;
  }>;
}

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const redoclyCli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const lintConfig = fileURLToPath(new URL('./redocly.yaml', import.meta.url));
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Routes served by the app that are deliberately not API operations: the HTML pages (reference, console) and
 * their assets, and the local CLI's command runner, which answers only on the owner-only control socket (404
 * on the network).
 */
const UNDOCUMENTED = new Set([
  'GET /docs',
  'GET /docs/assets/{file}',
  'GET /console',
  'GET /console/assets/{file}',
  'POST /control/commands/{name}',
]);
/** Operations that need no key. */
const PUBLIC = new Set(['GET /', 'GET /health', 'GET /health/ready', 'GET /openapi.json']);
/** Public operations that take no input, so no 4XX is possible; the only lint warnings allowed. */
const NO_CLIENT_ERROR = new Set([
  '#/paths/~1health~1ready/get/responses',
  '#/paths/~1openapi.json/get/responses',
]);

async function lint(document: OpenApiDocument): Promise<LintReport> {
  const file = path.join(tempDir('datalive-openapi-'), 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const output = await run(
    process.execPath,
    [redoclyCli, 'lint', file, '--config', lintConfig, '--format=json'],
    {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw new Error(`redocly lint failed to run: ${error.stderr ?? String(error)}`);
    return { stdout: error.stdout };
  });
  return JSON.parse(output.stdout) as LintReport;
}

/** Endpoints answer with `(c)`; middleware (auth, scope checks, validators) takes `(c, next)`. */
const isEndpoint = (handler: (...args: never[]) => unknown) => handler.length < 2;

function operationsOf(document: OpenApiDocument): Array<{ key: string; operation: Operation }> {
  return Object.entries(document.paths ?? {}).flatMap(([pathName, item]) =>
    HTTP_METHODS.filter((method) => method in item).map((method) => ({
      key: `${method.toUpperCase()} ${pathName}`,
      operation: (item as Record<string, Operation>)[method] as Operation,
    })),
  );
}

describe('/openapi.json', () => {
  let stores: TestStores;
  let services: Services;
  let app: App;
  let document: OpenApiDocument;

  beforeAll(async () => {
    stores = await openTestStores();
    ({ services, app } = await buildTestApp(stores));
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('is OpenAPI 3.1 and passes the Redocly recommended ruleset with zero errors', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'DatAlive API', version: services.version });
    const report = await lint(document);
    expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    const unexpectedWarnings = report.problems.filter(
      (problem) =>
        !(
          problem.ruleId === 'operation-4xx-response' &&
          NO_CLIENT_ERROR.has(problem.location[0]?.pointer ?? '')
        ),
    );
    expect(unexpectedWarnings).toEqual([]);
  });

  it('describes every route the app serves, and only those', () => {
    const served = new Set(
      app.routes
        .filter((route) => route.method !== 'ALL' && isEndpoint(route.handler))
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    const documented = new Set(operationsOf(document).map(({ key }) => key));
    expect([...served].filter((key) => !documented.has(key) && !UNDOCUMENTED.has(key))).toEqual([]);
    expect([...documented].filter((key) => !served.has(key))).toEqual([]);
    for (const key of [
      'GET /health',
      'GET /insights/daily',
      'POST /admin/keys',
      'GET /metrics',
      'GET /openapi.json',
    ]) {
      expect(documented).toContain(key);
    }
  });

  it('gives every operation a unique operationId, a tag and a problem+json error response', () => {
    const operations = operationsOf(document);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['getInsightsDaily', 'getAdminKeysById', 'getMetrics']));
    for (const { key, operation } of operations) {
      const errors = Object.entries(operation.responses ?? {}).filter(
        ([status, response]) => Number(status) >= 400 && response.content?.['application/problem+json'],
      );
      expect(errors.length, key).toBeGreaterThan(0);
      expect((operation.tags as string[] | undefined)?.length, key).toBeGreaterThan(0);
    }
    const tags = (document.tags ?? []).map((tag) => tag.name);
    expect(tags).toEqual(expect.arrayContaining(['health', 'insights', 'admin', 'operations']));
  });

  it('declares the three ways to send a key and requires one on every protected operation', () => {
    expect(document.components?.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
    });
    const keyed = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { apiKeyQuery: [] }];
    for (const { key, operation } of operationsOf(document)) {
      const isProtected = !PUBLIC.has(key);
      expect(operation.security, key).toEqual(isProtected ? keyed : []);
      if (isProtected)
        expect(Object.keys(operation.responses ?? {}), key).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('documents the query and path parameters the routes validate', () => {
    const daily = operationsOf(document).find(({ key }) => key === 'GET /insights/daily')?.operation;
    const parameters = (daily?.parameters ?? []) as Array<{ name: string; in: string }>;
    const names = parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
    expect(names).toEqual(expect.arrayContaining(['query:from', 'query:to', 'query:limit', 'query:cursor']));
    const getKey = operationsOf(document).find(({ key }) => key === 'GET /admin/keys/{id}')?.operation;
    expect(getKey?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
  });
});
