import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SECURITY_HEADERS } from '../../../src/http/middleware/security-headers.js';
import type { Warehouse } from '../../../src/ports/warehouse.js';
import { DOCS_CONTENT_SECURITY_POLICY } from '../../../src/routes/docs.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

/** Wraps a warehouse so a test can take it down. */
function switchableWarehouse(inner: Warehouse): Warehouse & { down: boolean } {
  const wrapper = {
    kind: inner.kind,
    down: false,
    query: inner.query.bind(inner),
    async ping() {
      if (wrapper.down) throw new Error('connect ECONNREFUSED postgres://secret@host');
      await inner.ping();
    },
    close: () => inner.close(),
  };
  return wrapper;
}

describe('app basics through app.request', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let warehouse: ReturnType<typeof switchableWarehouse>;

  beforeAll(async () => {
    stores = await openTestStores();
    warehouse = switchableWarehouse(stores.warehouse);
    ({ services, app } = await buildTestApp({ db: stores.db, warehouse }));
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('answers liveness cheaply without a key', async () => {
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', env: 'dev' });
  });

  it('reports each dependency when ready', async () => {
    const response = await app.request('/health/ready');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      dependencies: Array<{ name: string; status: string }>;
    };
    expect(body.status).toBe('ready');
    expect(body.dependencies.map((dependency) => [dependency.name, dependency.status])).toEqual([
      ['database', 'up'],
      ['vector_extension', 'up'],
      ['warehouse', 'up'],
      ['rate_limit_store', 'up'],
    ]);
  });

  it('turns 503 when a required dependency is down, without leaking connection strings', async () => {
    warehouse.down = true;
    try {
      for (const path of ['/health/ready', '/health?deep=1']) {
        const response = await app.request(path);
        expect(response.status).toBe(503);
        const text = await response.text();
        expect(text).not.toContain('secret');
        const body = JSON.parse(text) as {
          status: string;
          dependencies: Array<{ name: string; status: string }>;
        };
        expect(body.status).toBe('not_ready');
        expect(body.dependencies.find((dependency) => dependency.name === 'warehouse')?.status).toBe('down');
      }
    } finally {
      warehouse.down = false;
    }
    expect((await app.request('/health/ready')).status).toBe(200);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const response = await app.request('/no/such/route?x=1');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: '/problems/route_not_found',
      status: 404,
      code: 'route_not_found',
      instance: '/no/such/route',
    });
  });

  it('keeps a sane incoming request id and replaces an unsafe one', async () => {
    const kept = await app.request('/health', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await app.request('/health', { headers: { 'X-Request-Id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a bad query parameter with a 400 naming it', async () => {
    const response = await app.request('/health?deep=maybe');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_parameter', param: 'deep' });
  });

  it('sets the API security headers on successes, problems and rejected bodies alike', async () => {
    const responses = [
      await app.request('/health'),
      await app.request('/no-such-route'),
      await app.request('/health?deep=maybe'),
      await app.request('/insights'),
      await app.request('/rag/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
        body: '{}',
      }),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 404, 400, 401, 413]);
    for (const response of responses) {
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
        expect(response.headers.get(name), `${response.status} ${name}`).toBe(value);
      }
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('lets the reference page replace the API content security policy with its own', async () => {
    const response = await app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
