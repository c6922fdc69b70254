import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import type { Warehouse } from '../../../src/ports/warehouse.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';
let clock = Date.parse('2025-06-20T12:00:00Z');
const now = () => clock;

interface Readiness {
  status: string;
  freshness?: {
    max_age_days: number;
    stale_tables: string[];
    tables: Array<{ table: string; last_data_date: string | null; age_days: number | null; stale: boolean }>;
  };
}

let stores: TestStores;
let services: Services;
let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
let key: string;

beforeAll(async () => {
  stores = await openTestStores();
  await seedDemoData(stores.warehouse, { endDate: END_DATE, loadedAt: new Date('2025-06-16T05:00:00Z') });
  ({ services, app } = await buildTestApp({ ...stores, now }));
  key = (await services.keys.create({ name: 'ops', scopes: ['admin', 'insights:read'] })).plaintext;
});
afterAll(async () => {
  await services?.close();
  await stores?.db.close();
  await stores?.warehouse.close();
});

describe('data freshness', () => {
  it('is ready while production data is within the environment threshold', async () => {
    clock = Date.parse('2025-06-20T12:00:00Z');
    const response = await app.request('/health/ready');
    expect(response.status).toBe(200);
    const report = (await response.json()) as Readiness;
    expect(report.status).toBe('ready');
    expect(report.freshness?.max_age_days).toBe(7);
    expect(report.freshness?.stale_tables).toEqual([]);
    expect(report.freshness?.tables.find((table) => table.table === 'production_daily')).toMatchObject({
      last_data_date: END_DATE,
      age_days: 5,
      stale: false,
    });
  });

  it('reports degraded (still 200) naming the stale table once data is older than the threshold', async () => {
    clock = Date.parse('2025-06-30T12:00:00Z');
    const response = await app.request('/health/ready');
    expect(response.status).toBe(200);
    const report = (await response.json()) as Readiness;
    expect(report.status).toBe('degraded');
    expect(report.freshness?.stale_tables).toEqual(['production_daily']);
    expect(report.freshness?.tables.find((table) => table.table === 'production_daily')?.age_days).toBe(15);

    const catalog = (await (
      await app.request('/insights', { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: {
        freshness_max_age_days: number;
        tables: Array<{ table: string; stale: boolean; last_load_at: string }>;
      };
    };
    expect(catalog.data.freshness_max_age_days).toBe(7);
    expect(catalog.data.tables.find((table) => table.table === 'production_daily')).toMatchObject({
      stale: true,
      last_load_at: '2025-06-16T05:00:00',
    });
    expect(catalog.data.tables.map((table) => table.table)).toEqual([
      'production_daily',
      'forecast_daily',
      'downtime_events',
      'sites',
      'assets',
      'products',
    ]);

    const metrics = await (
      await app.request('/metrics', { headers: { authorization: `Bearer ${key}` } })
    ).text();
    expect(metrics).toContain('warehouse_data_age_seconds{env="dev",table="production_daily"} 1252800');
    expect(metrics).toContain(
      `warehouse_last_load_timestamp_seconds{env="dev",table="production_daily"} ${Date.parse('2025-06-16T05:00:00Z') / 1000}`,
    );
  });
});

describe('readiness caching', () => {
  it('probes each dependency once per period, however many callers arrive', async () => {
    const cacheStores = await openTestStores();
    let pings = 0;
    const counting: Warehouse = {
      kind: cacheStores.warehouse.kind,
      query: cacheStores.warehouse.query.bind(cacheStores.warehouse),
      async ping() {
        pings += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      close: () => cacheStores.warehouse.close(),
    };
    const built = await buildTestApp(
      { db: cacheStores.db, warehouse: counting, now },
      { READINESS_CACHE_MS: '5000' },
    );
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => built.app.request('/health/ready')),
      );
      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(pings).toBe(1);
      clock += 4_000;
      await built.app.request('/health/ready');
      expect(pings).toBe(1);
      clock += 2_000;
      await built.app.request('/health/ready');
      expect(pings).toBe(2);
    } finally {
      await built.services.close();
      await cacheStores.db.close();
      await cacheStores.warehouse.close();
    }
  });
});
