import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { createMetrics, instrumentLlm, UNMATCHED_ROUTE } from '../../../src/http/metrics.js';
import type { Llm } from '../../../src/ports/llm.js';
import type { Services } from '../../../src/services.js';
import { TEST_DATABASE } from '../../support/postgres.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** Parses the Prometheus text format into `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const parsed = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const separator = line.lastIndexOf(' ');
    parsed.set(line.slice(0, separator), Number(line.slice(separator + 1)));
  }
  return parsed;
}

/** Every label value in the exposition text. */
function labelValues(text: string): string[] {
  return [...text.matchAll(/[a-z_]+="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] as string);
}

describe('/metrics', () => {
  let stores: TestStores;
  let services: Services;
  let app: App;
  let adminKey: string;
  let readerKey: string;
  const randomPath = `/no-such-${randomUUID()}`;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: '2025-06-15' });
    ({ services, app } = await buildTestApp(stores));
    adminKey = (await services.keys.create({ name: 'prometheus', scopes: ['admin'] })).plaintext;
    readerKey = (await services.keys.create({ name: 'bi', scopes: ['insights:read'], rateTier: 'premium' }))
      .plaintext;

    expect((await app.request('/health')).status).toBe(200);
    const daily = `/insights/daily?date=2025-06-14&site=SITE-B&api_key=${encodeURIComponent(readerKey)}`;
    expect((await app.request(daily)).status).toBe(200);
    expect((await app.request(daily)).status).toBe(200);
    expect(
      (
        await app.request('/insights/variance?date=2025-06-14&by=site', {
          headers: { Authorization: `Bearer ${readerKey}` },
        })
      ).status,
    ).toBe(200);
    expect((await app.request(randomPath)).status).toBe(404);
    expect((await app.request('/insights/daily', { headers: { 'X-API-Key': 'da_dev_wrong' } })).status).toBe(
      401,
    );
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const scrape = async () => {
    const response = await app.request('/metrics', { headers: { Authorization: `Bearer ${adminKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return response.text();
  };

  it('refuses callers without a key (401) or without the admin scope (403)', async () => {
    const anonymous = await app.request('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    const reader = await app.request('/metrics', { headers: { 'X-API-Key': readerKey } });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ code: 'insufficient_scope' });
  });

  it('counts requests and latency by method, route pattern and status', async () => {
    const values = samples(await scrape());
    expect(values.has('http_requests_total{method="GET",route="/health",status="200"}')).toBe(false);
    expect(values.get('http_requests_total{method="GET",route="/insights/daily",status="200"}')).toBe(2);
    expect(values.get('http_requests_total{method="GET",route="/insights/variance",status="200"}')).toBe(1);
    expect(values.get(`http_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status="404"}`)).toBe(1);
    expect(values.get('http_requests_total{method="GET",route="/insights/daily",status="401"}')).toBe(1);
    expect(
      values.get('http_request_duration_seconds_count{method="GET",route="/insights/daily",status="200"}'),
    ).toBe(2);
    expect(
      values.get(
        'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/insights/variance",status="200"}',
      ),
    ).toBe(1);
  });

  it('counts health probes apart, out of the request counter and the latency histogram', async () => {
    expect((await app.request('/health/ready')).status).toBe(200);
    expect((await app.request('/health?deep=maybe')).status).toBe(400);
    const text = await scrape();
    const values = samples(text);
    expect(values.get('http_probe_requests_total{route="/health",status="200"}')).toBe(1);
    expect(values.get('http_probe_requests_total{route="/health",status="400"}')).toBe(1);
    expect(values.get('http_probe_requests_total{route="/health/ready",status="200"}')).toBe(1);
    expect(text).not.toMatch(/http_request_duration_seconds_\w+\{[^}]*route="\/health/);
    expect(text).not.toMatch(/http_requests_total\{[^}]*route="\/health/);
  });

  it('counts rate-limit decisions, cache results and warehouse latency', async () => {
    const values = samples(await scrape());
    expect(values.get('rate_limit_decisions_total{class="insights",outcome="allowed"}')).toBe(3);
    expect(values.get('insights_cache_total{result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(values.get('insights_cache_total{result="hit"}')).toBeGreaterThanOrEqual(1);
    expect(
      values.get('dependency_duration_seconds_count{dependency="warehouse",operation="query"}'),
    ).toBeGreaterThan(0);
    expect(values.get('rag_index_chunks{env="dev"}')).toBe(0);
    expect(values.get('llm_tokens_total{direction="input"}')).toBe(0);
    expect(values.has('process_cpu_user_seconds_total')).toBe(true);
    expect(values.get('datalive_memory_bytes{component="node_heap"}')).toBeGreaterThan(1_000_000);
    if (TEST_DATABASE === 'pglite') {
      expect(values.get('datalive_memory_bytes{component="pglite_wasm"}')).toBeGreaterThan(1_000_000);
      expect(values.get('datalive_memory_bytes{component="pglite_worker_heap"}')).toBeGreaterThan(0);
    } else {
      expect(values.has('datalive_memory_bytes{component="pglite_wasm"}')).toBe(false);
    }
    expect(values.get('datalive_memory_bytes{component="duckdb"}')).toBeGreaterThanOrEqual(0);
    expect(values.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('never exposes keys, query strings or raw paths in labels', async () => {
    const text = await scrape();
    expect(text).not.toContain(readerKey);
    expect(text).not.toContain(adminKey);
    expect(text).not.toContain('da_dev_');
    expect(text).not.toContain(randomPath);
    expect(text).not.toContain('api_key');
    expect(text).not.toContain('SITE-B');
    const allowed =
      /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|OTHER|\/[A-Za-z0-9_/:.*{}-]*|unmatched|\d{3}|[A-Za-z_]+|[\d.e+-]+|\+Inf|v?\d[\w.-]*)$/;
    expect(labelValues(text).filter((value) => !allowed.test(value))).toEqual([]);
  });
});

describe('createMetrics', () => {
  it('keeps labels bounded whatever the callers pass', async () => {
    const metrics = createMetrics({ env: 'qa', processMetrics: false });
    metrics.observeRequest({ method: 'BREW', route: '/*', status: 404, seconds: 0.01 });
    for (let index = 0; index < 300; index += 1) {
      metrics.observeRequest({ method: 'GET', route: `/r/${index}`, status: 200, seconds: -1 });
    }
    metrics.dependency('database', 'Why was Site B 12 % under plan?', 0.2);
    for (let index = 0; index < 40; index += 1) metrics.dependency('warehouse', `op_${index}`, 0.01);
    const text = (await metrics.render()).body;
    const values = samples(text);
    expect(values.get('http_requests_total{method="OTHER",route="unmatched",status="404"}')).toBe(1);
    expect(values.get('http_requests_total{method="GET",route="other",status="200"}')).toBe(100);
    expect(values.get('dependency_duration_seconds_count{dependency="database",operation="other"}')).toBe(1);
    expect(values.get('dependency_duration_seconds_count{dependency="warehouse",operation="other"}')).toBe(8);
    expect(text).not.toContain('Site B');
    expect(text).not.toContain('process_cpu');
  });

  it('reads the index size at scrape time and drops it when the collector fails', async () => {
    const metrics = createMetrics({ env: 'prod', processMetrics: false });
    let chunks: number | Error = 1234;
    metrics.setIndexSizeCollector(async () => {
      if (chunks instanceof Error) throw chunks;
      return chunks;
    });
    expect(samples((await metrics.render()).body).get('rag_index_chunks{env="prod"}')).toBe(1234);
    chunks = 1300;
    expect(samples((await metrics.render()).body).get('rag_index_chunks{env="prod"}')).toBe(1300);
    chunks = new Error('database down');
    expect(samples((await metrics.render()).body).has('rag_index_chunks{env="prod"}')).toBe(false);
  });

  it('times model calls and counts their tokens, streamed or not', async () => {
    const metrics = createMetrics({ env: 'dev', processMetrics: false });
    const response = {
      text: 'ok',
      model: 'fake',
      stopReason: 'end_turn',
      usage: { inputTokens: 120, outputTokens: 30 },
    };
    const fake: Llm = {
      model: 'fake',
      generate: async () => response,
      async *stream() {
        yield { type: 'delta', text: 'o' };
        yield { type: 'done', response };
      },
    };
    const llm = instrumentLlm(fake, metrics);
    await llm.generate({ system: 's', messages: [{ role: 'user', text: 'q' }] });
    const events: string[] = [];
    for await (const event of llm.stream({ system: 's', messages: [{ role: 'user', text: 'q' }] })) {
      events.push(event.type);
    }
    expect(events).toEqual(['delta', 'done']);
    metrics.rateLimitDecision('rag', 'degraded_closed');
    metrics.rateLimitStoreError('rag');
    const values = samples((await metrics.render()).body);
    expect(values.get('llm_tokens_total{direction="input"}')).toBe(240);
    expect(values.get('llm_tokens_total{direction="output"}')).toBe(60);
    expect(values.get('dependency_duration_seconds_count{dependency="llm",operation="generate"}')).toBe(1);
    expect(values.get('dependency_duration_seconds_count{dependency="llm",operation="stream"}')).toBe(1);
    expect(values.get('rate_limit_decisions_total{class="rag",outcome="degraded_closed"}')).toBe(1);
    expect(values.get('rate_limit_store_errors_total{class="rag"}')).toBe(1);
  });
});
