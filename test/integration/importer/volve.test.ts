import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { type LoadSummary, loadCsv } from '../../../src/domain/importer/index.js';

const DAILY = '../shared/data/volve/volve_daily_production.csv';
const RAW = '../shared/data/volve/raw/Volve production data.csv';
const MAPPING = readFileSync('docs/examples/volve.mapping.yaml', 'utf8');
const RAW_MAPPING = readFileSync('docs/examples/volve-raw.mapping.yaml', 'utf8');

/** Volve figures from ../shared/data/volve/README.md. */
const PRODUCTION_RECORDS = 9_161;
const INJECTION_RECORDS = 6_473;
const TOTAL_OIL_SM3 = 10_037_081;
const TOTAL_WATER_INJECTED_SM3 = 30_330_134;

interface ProductTotals extends Record<string, unknown> {
  product_id: string;
  rows: number;
  volume: number;
  rounded_volume: number;
}

describe('loading the Volve daily production with docs/examples/volve.mapping.yaml', () => {
  let warehouse: DuckDbWarehouse;
  let first: LoadSummary;

  const totals = async (): Promise<ProductTotals[]> =>
    (
      await warehouse.query<ProductTotals>(
        `SELECT product_id, count(*) AS rows, sum(actual_volume) AS volume, sum(round(actual_volume)) AS rounded_volume
           FROM analytics.production_daily GROUP BY product_id ORDER BY product_id`,
      )
    ).rows;
  const flagged = async (flag: string) =>
    (
      await warehouse.query<{
        date: string;
        asset_id: string;
        product_id: string;
        actual_volume: number | null;
      }>(
        `SELECT date, asset_id, product_id, actual_volume FROM analytics.production_daily
          WHERE list_contains(string_split(quality_flags, ','), ?) ORDER BY date, asset_id, product_id`,
        [flag],
      )
    ).rows;

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:', timeoutMs: 5_000 });
    first = await loadCsv(warehouse, { mapping: MAPPING, filePath: DAILY });
  });
  afterAll(async () => {
    await warehouse?.close();
  });

  it('loads one row per product of each wellbore-day and reports it', () => {
    expect(first).toMatchObject({
      table: 'production_daily',
      source: 'volve_daily_production.csv',
      dryRun: false,
      rowsRead: PRODUCTION_RECORDS + INJECTION_RECORDS,
      rowsFiltered: 0,
      rowsLoaded: 3 * PRODUCTION_RECORDS + INJECTION_RECORDS,
      rowsReplaced: 0,
      warnings: [],
    });
    expect(first.dimensions).toEqual([
      { table: 'sites', rows: 1, updated: 0 },
      { table: 'products', rows: 4, updated: 0 },
      { table: 'assets', rows: 7, updated: 0 },
    ]);
  });

  it('matches the README totals per product', async () => {
    const byProduct = Object.fromEntries((await totals()).map((row) => [row.product_id, row]));
    expect(Object.keys(byProduct)).toEqual(['gas', 'oil', 'water', 'water_injection']);
    expect(byProduct.oil?.rows).toBe(PRODUCTION_RECORDS);
    expect(byProduct.gas?.rows).toBe(PRODUCTION_RECORDS);
    expect(byProduct.water?.rows).toBe(PRODUCTION_RECORDS);
    expect(byProduct.water_injection?.rows).toBe(INJECTION_RECORDS);
    expect(Math.abs((byProduct.oil?.volume ?? 0) - TOTAL_OIL_SM3)).toBeLessThanOrEqual(1);
    expect(Math.abs((byProduct.water_injection?.volume ?? 0) - TOTAL_WATER_INJECTED_SM3)).toBeLessThanOrEqual(
      1,
    );
    const planned = await warehouse.query<{ n: number }>(
      'SELECT count(*) AS n FROM analytics.production_daily WHERE planned_volume IS NOT NULL',
    );
    expect(planned.rows[0]?.n).toBe(0);
  });

  it('maps wells to assets of the site VOLVE and the products to Sm3', async () => {
    const sites = await warehouse.query('SELECT * FROM analytics.sites');
    expect(sites.rows).toEqual([
      {
        site_id: 'VOLVE',
        site_name: 'Volve',
        region: 'Norwegian North Sea (block 15/9)',
        timezone: 'Europe/Oslo',
      },
    ]);
    const assets = await warehouse.query<{ asset_id: string; asset_name: string; site_id: string }>(
      'SELECT asset_id, asset_name, site_id FROM analytics.assets ORDER BY asset_id',
    );
    expect(assets.rows.map((row) => row.asset_id)).toEqual([
      '15/9-F-1 C',
      '15/9-F-11',
      '15/9-F-12',
      '15/9-F-14',
      '15/9-F-15 D',
      '15/9-F-4',
      '15/9-F-5',
    ]);
    expect(assets.rows.find((row) => row.asset_id === '15/9-F-12')).toEqual({
      asset_id: '15/9-F-12',
      asset_name: 'NO 15/9-F-12 H',
      site_id: 'VOLVE',
    });
    const products = await warehouse.query(
      'SELECT product_id, unit FROM analytics.products ORDER BY product_id',
    );
    expect(products.rows).toEqual(
      ['gas', 'oil', 'water', 'water_injection'].map((product_id) => ({ product_id, unit: 'Sm3' })),
    );
  });

  it('flags the four negative water volumes', async () => {
    expect(await flagged('negative_volume')).toEqual([
      { date: '2008-04-23', asset_id: '15/9-F-12', product_id: 'water', actual_volume: -14.19 },
      { date: '2009-03-03', asset_id: '15/9-F-14', product_id: 'water', actual_volume: -0.95 },
      { date: '2012-08-13', asset_id: '15/9-F-12', product_id: 'water', actual_volume: -457.84 },
      { date: '2012-08-13', asset_id: '15/9-F-14', product_id: 'water', actual_volume: -59.19 },
    ]);
  });

  it('flags every product row of the 20 wellbore-days with more than 24 on-stream hours', async () => {
    const rows = await flagged('hours_over_24');
    const days = new Set(rows.map((row) => `${row.date} ${row.asset_id}`));
    expect(days.size).toBe(20);
    expect(new Set(rows.map((row) => row.date))).toEqual(
      new Set(['2008-10-26', '2009-10-25', '2010-10-31', '2013-10-27', '2014-10-26']),
    );
    // 13 production wellbore-days × (oil, gas, water) + 7 injection wellbore-days × water_injection.
    expect(rows).toHaveLength(13 * 3 + 7);
    const over24 = await warehouse.query<{ total: number; unflagged: number }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE quality_flags IS NULL OR quality_flags NOT LIKE '%hours_over_24%') AS unflagged
         FROM analytics.production_daily WHERE uptime_hours > 24`,
    );
    expect(over24.rows[0]).toEqual({ total: 46, unflagged: 0 });
  });

  it('flags the volume without on-stream hours on 15/9-F-11 2015-01-17', async () => {
    const rows = await flagged('volume_without_hours');
    expect(rows.filter((row) => row.asset_id === '15/9-F-11' && row.date === '2015-01-17')).toEqual([
      { date: '2015-01-17', asset_id: '15/9-F-11', product_id: 'gas', actual_volume: 150773.5 },
      { date: '2015-01-17', asset_id: '15/9-F-11', product_id: 'oil', actual_volume: 1026.57 },
      { date: '2015-01-17', asset_id: '15/9-F-11', product_id: 'water', actual_volume: 461.02 },
    ]);
    // The rule also catches gas and water with 0 hours on 15/9-F-12 and 15/9-F-14 (2011-12-26) and 31 injection
    // days that report injected water with ON_STREAM_HRS = 0.
    expect(rows).toHaveLength(3 + 2 + 2 + 31);
    expect(rows.filter((row) => row.product_id === 'water_injection')).toHaveLength(31);
  });

  it('counts the flags in the summary exactly as stored on the rows', async () => {
    expect(first.flags).toEqual({
      negative_volume: 4,
      hours_over_24: 46,
      negative_hours: 0,
      volume_without_hours: 38,
      duplicate_key: 0,
    });
    const stored = await warehouse.query<{ n: number }>(
      'SELECT count(*) AS n FROM analytics.production_daily WHERE quality_flags IS NOT NULL',
    );
    expect(stored.rows[0]?.n).toBe(first.flaggedRows);
    expect(first.flaggedRows).toBe(4 + 46 + 38);
  });

  it('records the load in load_metadata', async () => {
    const metadata = await warehouse.query<{ table_name: string; source: string; row_count: number }>(
      'SELECT table_name, source, row_count FROM analytics.load_metadata ORDER BY table_name',
    );
    expect(metadata.rows).toEqual([
      { table_name: 'assets', source: 'volve_daily_production.csv', row_count: 7 },
      { table_name: 'production_daily', source: 'volve_daily_production.csv', row_count: 33_956 },
      { table_name: 'products', source: 'volve_daily_production.csv', row_count: 4 },
      { table_name: 'sites', source: 'volve_daily_production.csv', row_count: 1 },
    ]);
  });

  it('is idempotent: loading the same file again replaces its rows', async () => {
    const before = await totals();
    const again = await loadCsv(warehouse, { mapping: MAPPING, filePath: DAILY });
    expect(again.rowsLoaded).toBe(first.rowsLoaded);
    expect(again.rowsReplaced).toBe(first.rowsLoaded);
    expect(again.flags).toEqual(first.flags);
    expect(await totals()).toEqual(before);
    const assets = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM analytics.assets');
    expect(assets.rows[0]?.n).toBe(7);
  });

  it('loads the raw Excel export (DD-MMM-YY dates, "90,439" volumes) to the same rows, rounded', async () => {
    const daily = await totals();
    const raw = await loadCsv(warehouse, { mapping: RAW_MAPPING, filePath: RAW });
    expect(raw).toMatchObject({ rowsRead: 15_634, rowsLoaded: 33_956, rowsReplaced: 33_956 });
    const rawTotals = await totals();
    expect(rawTotals.map((row) => [row.product_id, row.rows])).toEqual(
      daily.map((row) => [row.product_id, row.rows]),
    );
    // Each raw cell is the daily value rounded half away from zero, so the sums agree exactly.
    expect(rawTotals.map((row) => [row.product_id, row.volume])).toEqual(
      daily.map((row) => [row.product_id, row.rounded_volume]),
    );
    const oil = rawTotals.find((row) => row.product_id === 'oil')?.volume ?? 0;
    expect(oil).toBe(10_037_140);
    expect(Math.abs(oil - TOTAL_OIL_SM3)).toBeLessThanOrEqual(0.5 * PRODUCTION_RECORDS);
    expect(raw.flags).toMatchObject({ negative_volume: 4, hours_over_24: 46 });
    const f11 = await flagged('volume_without_hours');
    expect(f11.filter((row) => row.asset_id === '15/9-F-11' && row.date === '2015-01-17')).toHaveLength(3);
  });
});
