import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { SCOPES } from '../../src/ports/key-store.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { DEMO_DOCUMENT_DIRS, type Services } from '../../src/services.js';
import { buildTestApp, capturingLogger, openTestStores, type TestStores } from '../support/services.js';
import {
  type Answer,
  assertWellFormed,
  CaseLog,
  HOSTILE_STRINGS,
  type OpenApiDocumentShape,
  type Operation,
  operationsOf,
  percentEncode,
} from './support.js';

const END_DATE = '2025-06-15';
const HIGH_LIMITS = JSON.stringify({
  premium: {
    insights: { limit: 100_000_000, periodSeconds: 60 },
    rag: { limit: 100_000_000, periodSeconds: 60 },
    admin: { limit: 100_000_000, periodSeconds: 60 },
  },
});
const SQL_INJECTION = HOSTILE_STRINGS.slice(0, 8);

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** A minimal valid JSON body per operation, so one field at a time can be made hostile. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /admin/keys': { name: 'x', scopes: ['insights:read'] },
  'POST /admin/keys/{id}/rotate': { grace_hours: 1 },
  'POST /rag/search': { query: 'compressor trip', top_k: 3 },
  'POST /rag/explain': { question: 'Why was Site B under plan on 2025-06-10?' },
  'POST /rag/documents': { uri: 'runbooks/hostile.md', content: '# Hostile\n\nSome text.\n' },
};

/** A warehouse that can be made to throw an unclassified error (a bug in a dependency), for the log test. */
function breakableWarehouse(inner: Warehouse): Warehouse & { broken: boolean } {
  const wrapper: Warehouse & { broken: boolean } = {
    kind: inner.kind,
    broken: false,
    query: (sql, params, options) =>
      wrapper.broken ? Promise.reject(new Error('driver exploded')) : inner.query(sql, params, options),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return wrapper;
}

describe('hostile input: explicit cases', () => {
  let stores: TestStores;
  let warehouse: ReturnType<typeof breakableWarehouse>;
  let services: Services;
  let app: App;
  let key: string;
  let operations: Operation[];
  const capture = capturingLogger('debug');
  const log = new CaseLog('explicit');

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    warehouse = breakableWarehouse(stores.warehouse);
    ({ services, app } = await buildTestApp(
      { db: stores.db, warehouse },
      { RATE_LIMIT_OVERRIDES: HIGH_LIMITS, TRUST_PROXY: '1' },
      capture.logger,
    ));
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
    key = (await services.keys.create({ name: 'explicit', scopes: SCOPES, rateTier: 'premium' })).plaintext;
    const document = (await (await app.request('/openapi.json')).json()) as OpenApiDocumentShape;
    operations = operationsOf(document);
  });
  afterAll(async () => {
    log.write();
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  async function send(
    group: string,
    path: string,
    init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await app.request(path, {
      method: init.method ?? 'GET',
      headers: {
        'X-API-Key': key,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text: await response.text(),
    };
    log.record(group, answer);
    assertWellFormed(answer, [key]);
    return answer;
  }
  const pathOf = (operation: Operation, id = 'key_0000000000000000') =>
    operation.path.replace(/\{[^}]+\}/g, percentEncode(id));
  const tableCounts = async () => {
    const production = await stores.warehouse.query<{ n: number }>(
      'SELECT count(*) AS n FROM analytics.production_daily',
    );
    const keys = await stores.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM api_keys');
    return { production: production.rows[0]?.n, keys: keys.rows[0]?.n };
  };

  it('treats SQL injection in every query, path and body parameter as data: no 5xx, nothing changed', async () => {
    const before = await tableCounts();
    let cases = 0;
    for (const operation of operations) {
      const key_ = `${operation.method} ${operation.path}`;
      for (const injection of SQL_INJECTION) {
        for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
          await send('sql-injection', `${pathOf(operation)}?${parameter.name}=${percentEncode(injection)}`, {
            method: operation.method,
            ...(VALID_BODIES[key_] ? { body: JSON.stringify(VALID_BODIES[key_]) } : {}),
          });
          cases += 1;
        }
        if (operation.path.includes('{')) {
          await send('sql-injection', pathOf(operation, injection), {
            method: operation.method,
            ...(VALID_BODIES[key_] ? { body: JSON.stringify(VALID_BODIES[key_]) } : {}),
          });
          cases += 1;
        }
        const body = VALID_BODIES[key_];
        for (const field of Object.keys(body ?? {})) {
          const value = Array.isArray(body?.[field]) ? [injection] : injection;
          await send('sql-injection', pathOf(operation), {
            method: operation.method,
            body: JSON.stringify({ ...body, [field]: value }),
          });
          cases += 1;
        }
      }
    }
    expect(cases).toBeGreaterThan(300);
    const after = await tableCounts();
    expect(after.production).toBe(before.production);
    expect(Number(after.keys)).toBeGreaterThanOrEqual(Number(before.keys));
    const search = await send('sql-injection', '/rag/search', {
      method: 'POST',
      body: JSON.stringify({ query: "'; DROP TABLE rag_dev.chunks; --" }),
    });
    expect(search.status).toBe(200);
    expect(
      (
        await send('sql-injection', '/rag/search', {
          method: 'POST',
          body: JSON.stringify({ query: 'compressor' }),
        })
      ).status,
    ).toBe(200);
  });

  it.each([
    ['query parameter', '/insights/daily?site=SITE-A%00', undefined],
    ['query parameter (date)', '/insights/daily?date=2025-06-01%00', undefined],
    ['search query', '/rag/search', { query: 'compressor\u0000trip' }],
    ['explain question', '/rag/explain', { question: 'Why was Site B\u0000 under plan?' }],
    [
      'document content',
      '/rag/documents',
      { uri: 'runbooks/nul.md', content: '# NUL\n\nbefore\u0000after\n' },
    ],
    ['document uri', '/rag/documents', { uri: 'runbooks/nul\u0000.md', content: '# NUL\n' }],
    ['key name', '/admin/keys', { name: 'nul\u0000name', scopes: ['insights:read'] }],
  ])('answers a NUL byte in a %s without a 5xx', async (_, path, body) => {
    const answer = await send('nul', path, body ? { method: 'POST', body: JSON.stringify(body) } : {});
    expect(answer.status).toBeLessThan(500);
  });

  it.each([
    [
      'lone continuation bytes',
      [0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0x80, 0x80, 0x22, 0x7d],
    ],
    ['0xFF 0xFE', [0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]],
    ['overlong "/"', [0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
    [
      'UTF-8 encoded surrogate',
      [0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
    ],
    [
      'truncated sequence',
      [0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d],
    ],
  ])('answers invalid UTF-8 in a JSON body (%s) with 200 or 400, never 5xx', async (_, bytes) => {
    for (const path of ['/rag/search', '/rag/explain', '/admin/keys', '/rag/documents']) {
      const answer = await send('invalid-utf8', path, { method: 'POST', body: new Uint8Array(bytes) });
      expect([200, 400]).toContain(answer.status);
    }
    const query = await send('invalid-utf8', '/insights/daily?site=%FF%FE&product=%C0%AF');
    expect(query.status).toBe(400);
  });

  it('rejects huge and non-finite numbers with 400 naming the parameter', async () => {
    const cases: Array<[string, Record<string, unknown> | undefined, string]> = [
      ['/insights/daily?limit=1e309', undefined, 'limit'],
      ['/insights/daily?limit=99999999999999999999999', undefined, 'limit'],
      ['/insights/daily?limit=-9007199254740993', undefined, 'limit'],
      ['/insights/forecast?horizon=1e308', undefined, 'horizon'],
      ['/insights/forecast?interval=NaN', undefined, 'interval'],
      ['/insights/forecast?interval=Infinity', undefined, 'interval'],
      ['/rag/documents?limit=0x7fffffff', undefined, 'limit'],
      ['/rag/search', { query: 'x', top_k: 1e308 }, 'top_k'],
      ['/rag/search', { query: 'x', top_k: 2 ** 53 + 2 }, 'top_k'],
      ['/rag/explain', { question: 'Why was Site B under plan?', top_k: -1e308 }, 'top_k'],
      ['/admin/keys', { name: 'n', scopes: ['admin'], expires_in_days: 1e308 }, 'expires_in_days'],
    ];
    for (const [path, body, param] of cases) {
      const answer = await send(
        'huge-numbers',
        path,
        body ? { method: 'POST', body: JSON.stringify(body) } : {},
      );
      expect(answer.status, path).toBe(400);
      expect((JSON.parse(answer.text) as { param?: string }).param, path).toBe(param);
    }
  });

  it('answers a 10 MB body with 413 payload_too_large and stays healthy', async () => {
    const big = JSON.stringify({ query: 'x'.repeat(10 * 1024 * 1024) });
    for (const path of ['/rag/search', '/rag/documents', '/admin/keys', '/rag/explain']) {
      const answer = await send('too-large', path, { method: 'POST', body: big });
      expect(answer.status, path).toBe(413);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'payload_too_large' });
    }
    expect((await app.request('/health')).status).toBe(200);
  });

  it.each([10, 1_000, 100_000])('answers JSON nested %i levels deep without a 5xx', async (depth) => {
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const body of [`{"query":${nested}}`, `{"query":"x","filters":${objects}}`, nested]) {
      const answer = await send('deep-json', '/rag/search', { method: 'POST', body });
      expect(answer.status).toBe(400);
    }
    const explain = await send('deep-json', '/rag/explain', {
      method: 'POST',
      body: `{"question":"why?","filters":${objects}}`,
    });
    expect(explain.status).toBe(400);
  });

  it('never writes the api_key query parameter or any key to the logs, even on errors and 5xx', async () => {
    const forged = `da_dev_${'A'.repeat(32)}abcdef`;
    await send('logs', `/insights/daily?api_key=${key}&date=${END_DATE}`, { headers: { 'X-API-Key': '' } });
    await send('logs', `/insights/daily?api_key=${key}&date=not-a-date`, { headers: { 'X-API-Key': '' } });
    await send('logs', `/insights/daily?api_key=${forged}`, { headers: { 'X-API-Key': '' } });
    await send('logs', `/no/such/route?api_key=${key}`);
    warehouse.broken = true;
    try {
      const response = await app.request(`/insights/daily?api_key=${key}&date=2025-06-02`);
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(text).not.toContain(key);
      expect(text).not.toContain('driver exploded');
    } finally {
      warehouse.broken = false;
    }
    const logs = capture.lines.join('\n');
    expect(capture.lines.some((line) => line.includes('"status":500'))).toBe(true);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(forged);
    expect(logs).not.toContain('api_key=');
    expect(logs).not.toMatch(/da_(dev|qa|prod)_[0-9A-Za-z]{20}/);
  });
});
