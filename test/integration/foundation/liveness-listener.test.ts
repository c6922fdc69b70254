import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SECURITY_HEADERS } from '../../../src/http/middleware/security-headers.js';
import { type RunningServer, startServer } from '../../../src/server.js';
import { issueKey } from '../../reliability/helpers.js';
import { openTestStores, type TestStores, testEnv } from '../../support/services.js';

const ORIGIN = 'https://reports.example.com';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The headers a client can compare between two liveness answers (dates and ids differ by design). */
const comparable = (response: Response) =>
  Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'x-request-id', 'content-length'].includes(name)),
  );

describe('liveness probes answered before the app (real HTTP server)', () => {
  let stores: TestStores;
  let server: RunningServer;
  let adminKey: string;

  beforeAll(async () => {
    stores = await openTestStores();
    server = await startServer(testEnv({ PORT: '0', HOST: '127.0.0.1', CORS_ORIGINS: ORIGIN }), {
      db: stores.db,
      warehouse: stores.warehouse,
    });
    adminKey = await issueKey(stores.db.pool, { name: 'ops', scopes: ['admin'], rateTier: 'premium' });
  });
  afterAll(async () => {
    await server?.shutdown('test');
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const probeCount = async () => {
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${adminKey}` } })
    ).text();
    const line = metrics
      .split('\n')
      .find((row) => row.startsWith('http_probe_requests_total{route="/health",status="200"}'));
    return Number(line?.split(' ').pop() ?? 0);
  };

  it('answers GET /health with the route’s own body and headers', async () => {
    const fast = await fetch(`${server.url}/health`);
    const routed = await fetch(`${server.url}/health?deep=0`);
    expect(fast.status).toBe(200);
    expect(routed.status).toBe(200);
    expect(comparable(fast)).toEqual(comparable(routed));
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS))
      expect(fast.headers.get(name)).toBe(value);
    const [fastBody, routedBody] = [await fast.json(), await routed.json()] as Array<Record<string, unknown>>;
    expect(Object.keys(fastBody ?? {})).toEqual(Object.keys(routedBody ?? {}));
    expect({ ...fastBody, uptime_s: 0 }).toEqual({ ...routedBody, uptime_s: 0 });
    expect(typeof fastBody?.uptime_s).toBe('number');
  });

  it('echoes a sane X-Request-Id and replaces any other with a UUID', async () => {
    const echoed = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'lb-probe.42' } });
    expect(echoed.headers.get('x-request-id')).toBe('lb-probe.42');
    const replaced = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'no spaces <here>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(UUID);
  });

  it('counts every probe it answers in http_probe_requests_total', async () => {
    const before = await probeCount();
    for (let probe = 0; probe < 5; probe++) expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await probeCount()).toBe(before + 5);
  });

  it('leaves cross-origin requests and other methods to the app (CORS and 404 still apply)', async () => {
    const crossOrigin = await fetch(`${server.url}/health`, { headers: { Origin: ORIGIN } });
    expect(crossOrigin.status).toBe(200);
    expect(crossOrigin.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const posted = await fetch(`${server.url}/health`, { method: 'POST' });
    expect(posted.status).toBe(404);
    expect(posted.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
