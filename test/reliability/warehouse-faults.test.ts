import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import { type Database, openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { type Warehouse, WarehouseError } from '../../src/ports/warehouse.js';
import { DEMO_DOCUMENT_DIRS, type Services } from '../../src/services.js';
import { buildTestApp } from '../support/services.js';
import { HIGH_LIMITS } from './helpers.js';

const END_DATE = '2025-06-15';
const WAREHOUSE_TIMEOUT_MS = 500;
/** Generous allowance on top of the warehouse timeout for everything else a request does. */
const MARGIN_MS = 1_000;
/**
 * Allowance for requests that first wait for one of the adapter's 4 connections: a deadline that covers
 * the wait answers all 12 in about one timeout; one that starts after the wait takes up to three.
 */
const QUEUED_MARGIN_MS = 500;

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/**
 * A warehouse whose link can be cut: `down` makes every call fail the way an adapter reports a refused
 * or dropped connection (WarehouseError `unavailable`, with a connection string in the message that must
 * never reach a client).
 */
function cuttableWarehouse(inner: Warehouse): Warehouse & { down: boolean } {
  const wrapper = {
    kind: inner.kind,
    down: false,
    query: ((sql, params, options) => {
      if (wrapper.down)
        return Promise.reject(
          new WarehouseError('unavailable', 'connect ECONNREFUSED snowflake://svc:secret@acct.example'),
        );
      return inner.query(sql, params, options);
    }) as Warehouse['query'],
    async ping() {
      if (wrapper.down)
        throw new WarehouseError('unavailable', 'connect ECONNREFUSED snowflake://svc:secret@acct.example');
      await inner.ping();
    },
    close: () => inner.close(),
  };
  return wrapper;
}

/**
 * Makes every query that reads production data slow for real: the table is swapped for a view that
 * first counts through a billion-row range (seconds of CPU, far beyond the 500 ms timeout) before
 * returning the same rows, so the DuckDB adapter's own timeout (interrupt) is what ends the query. The
 * range is finite so that an interrupt that gets lost shows up as a slow answer, not a hung test.
 * `SELECT 1` pings stay fast.
 */
async function slowDown(warehouse: DuckDbWarehouse): Promise<void> {
  await warehouse.execute('ALTER TABLE analytics.production_daily RENAME TO production_daily_fast');
  await warehouse.execute(
    `CREATE VIEW analytics.production_daily AS SELECT p.* FROM analytics.production_daily_fast p
     WHERE (SELECT count(*) FROM range(1000000000) r(i) WHERE i % 7 = 1) > 0`,
  );
}

async function speedUp(warehouse: DuckDbWarehouse): Promise<void> {
  await warehouse.execute('DROP VIEW analytics.production_daily');
  await warehouse.execute('ALTER TABLE analytics.production_daily_fast RENAME TO production_daily');
}

interface Answer {
  path: string;
  status: number;
  contentType: string | null;
  body: { code?: string; status?: number; detail?: string };
  text: string;
  ms: number;
}

describe('warehouse slow or failing', () => {
  let db: Database;
  let duck: DuckDbWarehouse;
  let warehouse: ReturnType<typeof cuttableWarehouse>;
  let services: Services;
  let app: App;
  let key: string;

  beforeAll(async () => {
    [db, duck] = await Promise.all([
      openEmbeddedDatabase('memory://'),
      openDuckDbWarehouse({ path: ':memory:', timeoutMs: WAREHOUSE_TIMEOUT_MS }),
    ]);
    await seedDemoData(duck, { endDate: END_DATE });
    warehouse = cuttableWarehouse(duck);
    ({ services, app } = await buildTestApp(
      { db, warehouse },
      { WAREHOUSE_TIMEOUT_MS: String(WAREHOUSE_TIMEOUT_MS), RATE_LIMIT_OVERRIDES: HIGH_LIMITS },
    ));
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
    key = (
      await services.keys.create({
        name: 'faults',
        scopes: ['insights:read', 'rag:explain'],
        rateTier: 'premium',
      })
    ).plaintext;
    expect((await ask(`/insights/daily?date=${END_DATE}`)).status).toBe(200);
  });
  afterAll(async () => {
    await services?.close();
    await db?.close();
    await duck?.close();
  });

  async function ask(path: string, init: RequestInit = {}): Promise<Answer> {
    const started = performance.now();
    const response = await app.request(path, {
      ...init,
      headers: { 'X-API-Key': key, ...(init.headers as Record<string, string> | undefined) },
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let body: Answer['body'] = {};
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      // CSV or empty
    }
    return {
      path,
      status: response.status,
      contentType: response.headers.get('content-type'),
      body,
      text,
      ms,
    };
  }
  const search = () =>
    ask('/rag/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'compressor trip', top_k: 3 }),
    });

  it('answers 504 dependency_timeout problem+json within the timeout while /health and /rag/search stay up', async () => {
    await slowDown(duck);
    try {
      const paths = [
        '/insights/daily?date=2025-06-01&site=SITE-B',
        '/insights/daily?from=2025-05-01&to=2025-05-31&format=csv',
        '/insights/variance?date=2025-06-02&site=SITE-A&by=cause&compare=plan',
        '/insights/anomalies?from=2025-04-01&to=2025-06-15',
        '/insights/digest?date=2025-06-03',
      ];
      for (const path of paths) {
        const answer = await ask(path);
        expect(answer.status, `${path}: ${answer.text.slice(0, 300)}`).toBe(504);
        expect(answer.contentType).toBe('application/problem+json');
        expect(answer.body).toMatchObject({ code: 'dependency_timeout', status: 504 });
        expect(answer.ms, path).toBeLessThan(WAREHOUSE_TIMEOUT_MS + MARGIN_MS);
      }
      const [slow, health, hits] = await Promise.all([
        ask('/insights/daily?date=2025-06-04'),
        app.request('/health'),
        search(),
      ]);
      expect(slow.status).toBe(504);
      expect(health.status).toBe(200);
      expect(hits.status).toBe(200);
      expect(hits.ms).toBeLessThan(WAREHOUSE_TIMEOUT_MS + MARGIN_MS);
      expect((JSON.parse(hits.text) as { data: unknown[] }).data.length).toBeGreaterThan(0);
      const ready = await app.request('/health/ready');
      const report = (await ready.json()) as { dependencies: Array<{ name: string; status: string }> };
      expect(report.dependencies.find((dependency) => dependency.name === 'warehouse')?.status).toBe('up');
    } finally {
      await speedUp(duck);
    }
    expect((await ask('/insights/daily?date=2025-06-01&site=SITE-B')).status).toBe(200);
  });

  it('counts the wait for a free connection in the timeout: 12 concurrent slow requests, 4 connections', async () => {
    await slowDown(duck);
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, index) => ask(`/insights/daily?date=2025-05-${10 + index}`)),
      );
      for (const answer of answers) {
        expect(answer.status, answer.text.slice(0, 300)).toBe(504);
        expect(answer.body.code).toBe('dependency_timeout');
      }
      const slowest = answers.reduce((max, answer) => Math.max(max, answer.ms), 0);
      expect(slowest, 'slowest of 12 concurrent requests (ms)').toBeLessThan(
        WAREHOUSE_TIMEOUT_MS + QUEUED_MARGIN_MS,
      );
    } finally {
      await speedUp(duck);
    }
  });

  it('answers 503 dependency_unavailable and readiness 503 while the warehouse is down, without leaking it', async () => {
    warehouse.down = true;
    try {
      for (const path of [
        '/insights/daily?date=2025-06-05',
        '/insights/variance?date=2025-06-05&by=site&compare=plan',
        '/insights/anomalies?from=2025-03-01&to=2025-06-15&sensitivity=high',
      ]) {
        const answer = await ask(path);
        expect(answer.status, `${path}: ${answer.text.slice(0, 300)}`).toBe(503);
        expect(answer.contentType).toBe('application/problem+json');
        expect(answer.body).toMatchObject({ code: 'dependency_unavailable', status: 503 });
        expect(answer.text).not.toContain('secret');
        expect(answer.ms).toBeLessThan(MARGIN_MS);
      }
      const ready = await app.request('/health/ready');
      expect(ready.status).toBe(503);
      const text = await ready.text();
      expect(text).not.toContain('secret');
      const report = JSON.parse(text) as {
        status: string;
        dependencies: Array<{ name: string; status: string }>;
      };
      expect(report.status).toBe('not_ready');
      expect(report.dependencies.find((dependency) => dependency.name === 'warehouse')?.status).toBe('down');
      expect((await app.request('/health')).status).toBe(200);
      expect((await search()).status).toBe(200);
    } finally {
      warehouse.down = false;
    }
    expect((await app.request('/health/ready')).status).toBe(200);
    expect((await ask('/insights/daily?date=2025-06-05')).status).toBe(200);
  });
});
