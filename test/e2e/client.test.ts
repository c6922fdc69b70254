import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testOutputDir } from '../support/http-server.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

/**
 * A program written against the types generated from the served document. It is type-checked with `tsc`
 * and then executed as is, so the same calls are checked at compile time and run against the server.
 */
const TYPED_FLOW = `import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.js';

export async function run(baseUrl: string, adminKey: string) {
  const client = createClient<paths>({ baseUrl });
  const admin = { Authorization: \`Bearer \${adminKey}\` };

  const health = await client.GET('/health');
  const created = await client.POST('/admin/keys', {
    headers: admin,
    body: { name: 'e2e-powerbi', scopes: ['insights:read'], rate_tier: 'powerbi', sites: null, expires_in_days: 30 },
  });
  const apiKey = created.data?.api_key ?? '';
  const keys = await client.GET('/admin/keys', { headers: admin });
  const key = await client.GET('/admin/keys/{id}', {
    headers: admin,
    params: { path: { id: created.data?.key.id ?? '' } },
  });

  const daily = await client.GET('/insights/daily', {
    headers: { 'X-API-Key': apiKey },
    params: { query: { limit: 5 } },
  });
  const dailyJson = typeof daily.data === 'string' ? undefined : daily.data;
  const asOf = dailyJson?.meta.as_of ?? '';
  const variance = await client.GET('/insights/variance', {
    headers: { 'X-API-Key': apiKey },
    params: { query: { date: asOf, by: 'site', compare: 'plan' } },
  });

  const powerBi = createClient<paths>({ baseUrl });
  const queryKey: Middleware = {
    onRequest({ request }) {
      const url = new URL(request.url);
      url.searchParams.set('api_key', apiKey);
      return new Request(url, request);
    },
  };
  powerBi.use(queryKey);
  const dailyViaQueryKey = await powerBi.GET('/insights/daily', { params: { query: { date: asOf, limit: 3 } } });

  const anonymous = await client.GET('/insights/daily', {});
  const invalid = await client.GET('/insights/daily', {
    headers: { 'X-API-Key': apiKey },
    params: { query: { limit: 0 } },
  });

  return {
    health: { status: health.response.status, body: health.data },
    created: { status: created.response.status, key: created.data?.key, apiKey },
    keys: { status: keys.response.status, names: keys.data?.data.map((listed) => listed.name) ?? [] },
    key: { status: key.response.status, body: key.data },
    daily: { status: daily.response.status, body: dailyJson },
    variance: { status: variance.response.status, body: variance.data },
    dailyViaQueryKey: {
      status: dailyViaQueryKey.response.status,
      rows: typeof dailyViaQueryKey.data === 'object' ? dailyViaQueryKey.data.data.length : 0,
    },
    anonymous: {
      status: anonymous.response.status,
      contentType: anonymous.response.headers.get('content-type'),
      code: anonymous.error?.code,
    },
    invalid: { status: invalid.response.status, code: invalid.error?.code, param: invalid.error?.param },
  };
}
`;

interface FlowResult {
  health: { status: number; body: { status: string; env: string; version: string } };
  created: { status: number; key: { id: string; scopes: string[]; rate_tier: string }; apiKey: string };
  keys: { status: number; names: string[] };
  key: { status: number; body: { id: string; status: string } };
  daily: {
    status: number;
    body: {
      data: Array<Record<string, unknown>>;
      meta: { as_of: string; count: number };
      links: { next: string };
    };
  };
  variance: {
    status: number;
    body: {
      data: {
        by: string;
        compare: string;
        total: { change: number };
        contributors: Array<{ member: string }>;
      };
    };
  };
  dailyViaQueryKey: { status: number; rows: number };
  anonymous: { status: number; contentType: string; code: string };
  invalid: { status: number; code: string; param: string };
}

describe('a client generated from /openapi.json drives the running server', () => {
  let server: TestServer;
  let types: string;
  const outputDir = testOutputDir('e2e-client');

  beforeAll(async () => {
    server = await startTestServer({ SEED_DEMO: '1' });
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as Parameters<typeof openapiTS>[0];
    types = astToString(await openapiTS(document));
    writeFileSync(path.join(outputDir, 'openapi.d.ts'), types);
    writeFileSync(path.join(outputDir, 'flow.ts'), TYPED_FLOW);
    writeFileSync(
      path.join(outputDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          types: ['node'],
        },
        files: ['openapi.d.ts', 'flow.ts'],
      }),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('generates types that compile against the calls the client makes', async () => {
    expect(types).toContain('"/insights/daily"');
    expect(types).toContain('getInsightsDaily');
    const compiled = await run(process.execPath, [tsc, '-p', path.join(outputDir, 'tsconfig.json')]).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        output: `${error.stdout}${error.stderr}`,
      }),
    );
    expect(compiled.output).toBe('');
    expect(compiled.ok).toBe(true);
  });

  it('runs the typed calls: health, admin keys, daily and variance with each way to send a key', async () => {
    const flow = (await import(pathToFileURL(path.join(outputDir, 'flow.ts')).href)) as {
      run(baseUrl: string, adminKey: string): Promise<FlowResult>;
    };
    const result = await flow.run(server.url, await server.adminKey());

    expect(result.health).toMatchObject({ status: 200, body: { status: 'ok', env: 'dev' } });
    expect(result.created.status).toBe(201);
    expect(result.created.key).toMatchObject({ scopes: ['insights:read'], rate_tier: 'powerbi' });
    expect(result.created.apiKey).toMatch(/^da_dev_/);
    expect(result.keys.status).toBe(200);
    expect(result.keys.names).toEqual(expect.arrayContaining(['e2e-powerbi', 'local-admin']));
    expect(result.key).toMatchObject({ status: 200, body: { id: result.created.key.id, status: 'active' } });

    expect(result.daily.status).toBe(200);
    expect(result.daily.body.data).toHaveLength(5);
    expect(result.daily.body.meta.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.daily.body.links.next).toContain('cursor=');
    expect(Object.keys(result.daily.body.data[0] ?? {})).toEqual(
      expect.arrayContaining([
        'date',
        'site_id',
        'asset_id',
        'product_id',
        'actual_volume',
        'planned_volume',
      ]),
    );

    expect(result.variance.status).toBe(200);
    expect(result.variance.body.data).toMatchObject({ by: 'site', compare: 'plan' });
    expect(typeof result.variance.body.data.total.change).toBe('number');
    expect(result.variance.body.data.contributors.map((contributor) => contributor.member)).toEqual(
      expect.arrayContaining(['SITE-A', 'SITE-B', 'SITE-C']),
    );

    expect(result.dailyViaQueryKey).toEqual({ status: 200, rows: 3 });
    expect(result.anonymous).toMatchObject({
      status: 401,
      contentType: 'application/problem+json',
      code: 'missing_api_key',
    });
    expect(result.invalid).toEqual({ status: 400, code: 'invalid_parameter', param: 'limit' });
  });
});
