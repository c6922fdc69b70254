import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore } from '../../../src/adapters/redis/redis-rate-limit-store.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { generateApiKey } from '../../../src/domain/keys/token.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, capturingLogger, openTestStores, type TestStores } from '../../support/services.js';
import { startThrowawayRedis } from '../../support/throwaway-redis.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const flipLastBodyChar = (key: string): string => {
  const index = key.length - 8;
  const replacement = key[index] === 'a' ? 'b' : 'a';
  return key.slice(0, index) + replacement + key.slice(index + 1);
};

describe('API keys over HTTP', () => {
  let stores: TestStores;
  let services: Services;
  let app: App;
  let adminKey: string;
  let readerKey: string;
  let clock = Date.now();
  const capture = capturingLogger('debug');

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: '2025-06-15' });
    ({ services, app } = await buildTestApp({ ...stores, now: () => clock }, {}, capture.logger));
    adminKey = (await services.keys.create({ name: 'admin', scopes: ['admin'], rateTier: 'premium' }))
      .plaintext;
    readerKey = (await services.keys.create({ name: 'reader', scopes: ['insights:read'] })).plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('accepts the key as Bearer, X-API-Key and api_key query parameter', async () => {
    expect((await get('/admin/keys', bearer(adminKey))).status).toBe(200);
    expect((await get('/admin/keys', { 'X-API-Key': adminKey })).status).toBe(200);
    expect((await get(`/admin/keys?api_key=${adminKey}`)).status).toBe(200);
  });

  it.each([
    ['missing', {}, 'missing_api_key'],
    ['malformed', bearer('not-a-key'), 'malformed_api_key'],
    ['bad checksum', { 'X-API-Key': '' }, 'malformed_api_key'],
    ['unknown', bearer(generateApiKey('dev').plaintext), 'invalid_api_key'],
    ['wrong environment', bearer(generateApiKey('prod').plaintext), 'wrong_environment'],
  ])('rejects a %s key with 401 problem+json and WWW-Authenticate', async (_, headers, code) => {
    const finalHeaders = _ === 'bad checksum' ? { 'X-API-Key': flipLastBodyChar(adminKey) } : headers;
    const response = await get('/admin/keys', finalHeaders);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="datalive"/);
    const body = (await response.json()) as { code: string; detail: string; key_environment?: string };
    expect(body.code).toBe(code);
    if (code === 'wrong_environment') {
      expect(body.detail).toContain('prod');
      expect(body.key_environment).toBe('prod');
    }
  });

  it('refuses a key without the scope with 403', async () => {
    const response = await get('/admin/keys', bearer(readerKey));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'insufficient_scope', required_scope: 'admin' });
  });

  it('creates, rotates and revokes keys through /admin/keys', async () => {
    const created = await app.request('/admin/keys', {
      method: 'POST',
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'powerbi', scopes: ['admin'], sites: ['SITE-A'] }),
    });
    expect(created.status).toBe(201);
    const { key, api_key } = (await created.json()) as {
      key: { id: string; sites: string[] };
      api_key: string;
    };
    expect(api_key).toMatch(/^da_dev_[0-9A-Za-z]{38}$/);
    expect(key.sites).toEqual(['SITE-A']);
    expect((await get('/admin/keys', bearer(api_key))).status).toBe(200);

    const rotated = await app.request(`/admin/keys/${key.id}/rotate`, {
      method: 'POST',
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ grace_hours: 1 }),
    });
    expect(rotated.status).toBe(201);
    const successor = (await rotated.json()) as { key: { rotated_from: string }; api_key: string };
    expect(successor.key.rotated_from).toBe(key.id);
    expect((await get('/admin/keys', bearer(api_key))).status).toBe(200);
    expect((await get('/admin/keys', bearer(successor.api_key))).status).toBe(200);

    clock += 2 * 3_600_000;
    const expired = await get('/admin/keys', bearer(api_key));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { code: string }).code).toBe('expired_api_key');
    expect((await get('/admin/keys', bearer(successor.api_key))).status).toBe(200);

    const revoke = await app.request(`/admin/keys/${key.id}`, {
      method: 'DELETE',
      headers: bearer(adminKey),
    });
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { status: string }).status).toBe('revoked');
    const missing = await app.request('/admin/keys/key_0000000000000000', {
      method: 'DELETE',
      headers: bearer(adminKey),
    });
    expect(missing.status).toBe(404);
  });

  it('enforces revocation within the cache bound in another instance sharing the database', async () => {
    const other = await buildTestApp({ ...stores, now: () => clock });
    try {
      const victim = (await services.keys.create({ name: 'victim', scopes: ['admin'] })).plaintext;
      const victimId = (await services.keys.list()).find((key) => key.name === 'victim')?.id as string;
      expect((await other.app.request('/admin/keys', { headers: bearer(victim) })).status).toBe(200);
      await app.request(`/admin/keys/${victimId}`, { method: 'DELETE', headers: bearer(adminKey) });
      expect((await app.request('/admin/keys', { headers: bearer(victim) })).status).toBe(401);
      clock += 30_000;
      const later = await other.app.request('/admin/keys', { headers: bearer(victim) });
      expect(later.status).toBe(401);
      expect(((await later.json()) as { code: string }).code).toBe('revoked_api_key');
    } finally {
      await other.services.close();
    }
  });

  it('rejects invalid admin bodies with 400 and creates nothing', async () => {
    const before = (await services.keys.list()).length;
    for (const body of [
      '{"name":"x","scopes":["root"]}',
      '{"name":"","scopes":["admin"]}',
      '{not json',
      '[]',
    ]) {
      const response = await app.request('/admin/keys', {
        method: 'POST',
        headers: { ...bearer(adminKey), 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await services.keys.list()).length).toBe(before);
  });

  it('never writes key material to the logs', async () => {
    const text = capture.lines.join('\n');
    expect(capture.lines.length).toBeGreaterThan(10);
    expect(text).not.toContain(adminKey);
    expect(text).not.toContain(readerKey);
    expect(text).not.toMatch(/da_(dev|qa|prod)_[0-9A-Za-z]{20}/);
    expect(text).not.toContain('api_key=');
    expect(text).toContain('"key_id":"key_');
  });
});

describe('rate limits over HTTP', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await openTestStores();
  });
  afterAll(async () => {
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const overrides = JSON.stringify({ standard: { admin: { limit: 50, periodSeconds: 60 } } });

  it.each([
    ['/insights', 'insights', ['insights:read']],
    ['/admin/keys', 'admin', ['admin']],
    ['/rag/documents', 'rag', ['rag:explain']],
  ] as const)(
    'charges one request to %s exactly once against its budget',
    async (path, rateClass, scopes) => {
      const budget = JSON.stringify({ standard: { [rateClass]: { limit: 5, periodSeconds: 60 } } });
      const { app, services } = await buildTestApp(stores, { RATE_LIMIT_OVERRIDES: budget });
      try {
        const key = (await services.keys.create({ name: 'once', scopes: [...scopes] })).plaintext;
        const statuses: number[] = [];
        const remaining: string[] = [];
        for (let attempt = 0; attempt < 6; attempt += 1) {
          const response = await app.request(path, { headers: { 'X-API-Key': key } });
          statuses.push(response.status);
          remaining.push(response.headers.get('ratelimit')?.match(/;r=(\d+)/)?.[1] ?? '-');
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
        expect(remaining).toEqual(['4', '3', '2', '1', '0', '0']);
      } finally {
        await services.close();
      }
    },
  );

  it('shares one budget across two app instances through Redis: 200 concurrent → exactly 50 admitted', async () => {
    // 50 per hour: GCRA earns one more request per 72 s, far longer than the burst takes even on a loaded
    // machine (at 50 per minute one more was earned every 1.2 s, and a slow run admitted 51).
    const hourly = JSON.stringify({ standard: { admin: { limit: 50, periodSeconds: 3600 } } });
    const prefix = `datalive-test:${randomUUID()}:`;
    const storeA = createRedisRateLimitStore({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: prefix,
      timeoutMs: 1_000,
    });
    const storeB = createRedisRateLimitStore({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: prefix,
      timeoutMs: 1_000,
    });
    await Promise.all([storeA.waitUntilReady(2_000), storeB.waitUntilReady(2_000)]);
    const a = await buildTestApp(
      { ...stores, rateLimitStore: storeA },
      { RATE_LIMIT_OVERRIDES: hourly, RATE_LIMIT_TIMEOUT_MS: '1000' },
    );
    const b = await buildTestApp(
      { ...stores, rateLimitStore: storeB },
      { RATE_LIMIT_OVERRIDES: hourly, RATE_LIMIT_TIMEOUT_MS: '1000' },
    );
    try {
      const key = (await a.services.keys.create({ name: 'shared', scopes: ['admin'] })).plaintext;
      await a.app.request('/health');
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          (index % 2 === 0 ? a.app : b.app).request('/admin/keys', { headers: { 'X-API-Key': key } }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(50);
      expect(statuses.filter((status) => status === 429)).toHaveLength(150);
      const denied = responses.find((response) => response.status === 429) as Response;
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await denied.json()).toMatchObject({ code: 'quota_exceeded', type: '/problems/quota_exceeded' });
      const admitted = responses.find((response) => response.status === 200) as Response;
      expect(admitted.headers.get('ratelimit-policy')).toBe('"admin";q=50;w=3600');
      expect(admitted.headers.get('ratelimit')).toMatch(/^"admin";r=\d+;t=\d+$/);
    } finally {
      await a.services.close();
      await b.services.close();
      await storeA.close();
      await storeB.close();
    }
  });

  it('fails open for admin and answers fast when Redis dies mid-test, then recovers', async () => {
    const redis = await startThrowawayRedis();
    const store = createRedisRateLimitStore({ url: redis.url, keyPrefix: 'rl:', timeoutMs: 50 });
    await store.waitUntilReady(2_000);
    const { app, services } = await buildTestApp(
      { ...stores, rateLimitStore: store },
      { RATE_LIMIT_OVERRIDES: overrides },
    );
    try {
      const key = (await services.keys.create({ name: 'outage', scopes: ['admin'] })).plaintext;
      const first = await app.request('/admin/keys', { headers: { 'X-API-Key': key } });
      expect(first.headers.get('ratelimit')).not.toBeNull();
      await redis.kill();
      const timings: number[] = [];
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const started = performance.now();
        const response = await app.request('/admin/keys', { headers: { 'X-API-Key': key } });
        timings.push(performance.now() - started);
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit')).toBeNull();
      }
      expect(Math.max(...timings)).toBeLessThan(1_000);
      const readiness = (await (await app.request('/health/ready')).json()) as {
        status: string;
        dependencies: Array<{ name: string; status: string }>;
      };
      expect(readiness.status).toBe('degraded');
      expect(
        readiness.dependencies.find((dependency) => dependency.name === 'rate_limit_store')?.status,
      ).toBe('down');
    } finally {
      await services.close();
      await store.close();
      await redis.kill();
    }
  });

  it('refuses further failed authentications from an address after 20, yet still admits a valid key', async () => {
    const { app, services } = await buildTestApp(stores);
    try {
      const valid = (await services.keys.create({ name: 'throttled-valid', scopes: ['admin'] })).plaintext;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 25; attempt += 1) {
        const response = await app.request('/admin/keys', {
          headers: { 'X-API-Key': generateApiKey('dev').plaintext },
        });
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      expect((await app.request('/admin/keys', { headers: { 'X-API-Key': valid } })).status).toBe(200);
    } finally {
      await services.close();
    }
  });
});
