import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { LoadValidationError, loadCsv, MappingError } from '../../../src/domain/importer/index.js';

const PRODUCTION = `
table: production_daily
columns:
  date: { from: day }
  asset_id: { from: well }
  product_id: { from: product }
  actual_volume: { from: volume }
  planned_volume: { from: plan }
  uptime_hours: { from: hours }
dimensions:
  products: { product_id: { from: product }, product_name: { from: product }, unit: m3 }
`;
const HEADER = 'day,well,product,volume,plan,hours';

describe('loadCsv into DuckDB', () => {
  let warehouse: DuckDbWarehouse;
  const scalar = async (sql: string): Promise<unknown> =>
    Object.values((await warehouse.query(sql)).rows[0] ?? {})[0] ?? null;
  const production = async () =>
    (
      await warehouse.query(
        'SELECT date, asset_id, product_id, actual_volume, quality_flags FROM analytics.production_daily ORDER BY ALL',
      )
    ).rows;

  beforeEach(async () => {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:', timeoutMs: 5_000 });
  });
  afterEach(async () => {
    await warehouse.close();
  });

  it('replaces the rows of the keys in the file and keeps the others', async () => {
    await loadCsv(warehouse, {
      mapping: PRODUCTION,
      csvText: `${HEADER}\n2024-01-01,W1,oil,10,12,24\n2024-01-02,W1,oil,11,12,24\n`,
    });
    const second = await loadCsv(warehouse, {
      mapping: PRODUCTION,
      csvText: `${HEADER}\n2024-01-02,W1,oil,15,12,24\n2024-01-03,W1,oil,16,12,24\n`,
      sourceName: 'second.csv',
    });
    expect(second).toMatchObject({ rowsLoaded: 2, rowsReplaced: 1, source: 'second.csv' });
    expect((await production()).map((row) => [row.date, row.actual_volume])).toEqual([
      ['2024-01-01', 10],
      ['2024-01-02', 15],
      ['2024-01-03', 16],
    ]);
  });

  it('keeps every duplicate row of the file, each flagged duplicate_key, and stays idempotent', async () => {
    const csvText = `${HEADER}\n2024-01-01,W1,oil,10,,24\n2024-01-01,W1,oil,11,,24\n2024-01-01,W2,oil,-1,,0\n`;
    const summary = await loadCsv(warehouse, { mapping: PRODUCTION, csvText });
    expect(summary.flags).toMatchObject({ duplicate_key: 2, negative_volume: 1 });
    await loadCsv(warehouse, { mapping: PRODUCTION, csvText });
    expect(await production()).toEqual([
      {
        date: '2024-01-01',
        asset_id: 'W1',
        product_id: 'oil',
        actual_volume: 10,
        quality_flags: 'duplicate_key',
      },
      {
        date: '2024-01-01',
        asset_id: 'W1',
        product_id: 'oil',
        actual_volume: 11,
        quality_flags: 'duplicate_key',
      },
      {
        date: '2024-01-01',
        asset_id: 'W2',
        product_id: 'oil',
        actual_volume: -1,
        quality_flags: 'negative_volume',
      },
    ]);
  });

  it('writes nothing at all when one row is bad', async () => {
    await loadCsv(warehouse, { mapping: PRODUCTION, csvText: `${HEADER}\n2024-01-01,W1,oil,10,12,24\n` });
    const bad = `${HEADER}\n2024-01-01,W1,oil,99,12,24\n2024-01-02,W1,gas,1,1,24\n2024-01-03,W1,,1,1,24\n`;
    const rejected = loadCsv(warehouse, { mapping: PRODUCTION, csvText: bad });
    await expect(rejected).rejects.toBeInstanceOf(LoadValidationError);
    await expect(rejected).rejects.toMatchObject({
      errors: [{ line: 4, column: 'product', message: 'product_id is missing (a key)' }],
    });
    expect(await production()).toEqual([
      { date: '2024-01-01', asset_id: 'W1', product_id: 'oil', actual_volume: 10, quality_flags: null },
    ]);
    expect(await scalar('SELECT count(*) FROM analytics.products')).toBe(1);
    expect(await scalar('SELECT count(*) FROM analytics.load_metadata')).toBe(2);
  });

  it('validates without writing on a dry run', async () => {
    const summary = await loadCsv(warehouse, {
      mapping: PRODUCTION,
      csvText: `${HEADER}\n2024-01-01,W1,oil,10,12,30\n`,
      dryRun: true,
    });
    expect(summary).toMatchObject({ dryRun: true, rowsLoaded: 1, flags: { hours_over_24: 1 } });
    expect(await scalar('SELECT count(*) FROM analytics.production_daily')).toBe(0);
    expect(await scalar('SELECT count(*) FROM analytics.load_metadata')).toBe(0);
  });

  it('warns about assets that the warehouse does not know', async () => {
    const summary = await loadCsv(warehouse, {
      mapping: PRODUCTION,
      csvText: `${HEADER}\n2024-01-01,W1,oil,10,12,24\n2024-01-01,W2,oil,10,12,24\n`,
    });
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^2 asset_id value\(s\) have no row in assets \(e\.g\. "W1"\)/),
    ]);
  });

  it('refuses a table option that disagrees with the mapping', async () => {
    await expect(
      loadCsv(warehouse, { mapping: PRODUCTION, table: 'sites', csvText: `${HEADER}\n` }),
    ).rejects.toBeInstanceOf(MappingError);
  });

  it('loads simple CSVs for sites, assets and products, upserting only the mapped columns', async () => {
    await loadCsv(warehouse, {
      table: 'sites',
      mapping:
        'columns: { site_id: { from: id }, site_name: { from: name }, region: { from: region }, timezone: UTC }',
      csvText: 'id,name,region\nS1,North,"Nordic, offshore"\nS2,South,\n',
    });
    await loadCsv(warehouse, {
      mapping: 'table: sites\ncolumns: { site_id: { from: id }, site_name: { from: name } }',
      csvText: 'id,name\nS1,North field\n',
    });
    expect((await warehouse.query('SELECT * FROM analytics.sites ORDER BY site_id')).rows).toEqual([
      { site_id: 'S1', site_name: 'North field', region: 'Nordic, offshore', timezone: 'UTC' },
      { site_id: 'S2', site_name: 'South', region: null, timezone: 'UTC' },
    ]);

    const assets = await loadCsv(warehouse, {
      mapping:
        'table: assets\ncolumns: { asset_id: { from: id }, asset_name: { from: name }, site_id: { from: site }, asset_type: { from: type }, unit: { from: unit } }',
      csvText: 'id,name,site,type,unit\nA1,Well 1,S1,well,Sm3\nA2,Line 2,S3,line,\n',
    });
    expect(assets.warnings).toEqual([
      expect.stringContaining('1 site_id value(s) have no row in sites (e.g. "S3")'),
    ]);
    await loadCsv(warehouse, {
      mapping:
        'table: products\ncolumns: { product_id: { from: id }, product_name: { from: name }, unit: { from: unit } }',
      csvText: 'id,name,unit\noil,Oil,Sm3\ngas,Gas,Sm3\n',
    });
    expect(await scalar('SELECT count(*) FROM analytics.assets')).toBe(2);
    expect(
      (await warehouse.query('SELECT product_id, unit FROM analytics.products ORDER BY 1')).rows,
    ).toEqual([
      { product_id: 'gas', unit: 'Sm3' },
      { product_id: 'oil', unit: 'Sm3' },
    ]);
  });

  it('loads downtime events by event id and forecasts by key', async () => {
    const downtime = `
table: downtime_events
columns:
  event_id: { template: '{asset}-{start}' }
  asset_id: { from: asset }
  start_ts: { from: start }
  end_ts: { from: end }
  cause_code: { from: code }
  cause_category: { from: category }
  lost_volume: { from: lost }
`;
    const events =
      'asset,start,end,code,category,lost\nW1,2024-02-01 06:00,2024-02-01 09:30,TRIP,equipment,"1,200.5"\n';
    await loadCsv(warehouse, { mapping: downtime, csvText: events });
    await loadCsv(warehouse, { mapping: downtime, csvText: events.replace('1,200.5', '900') });
    expect(
      (await warehouse.query('SELECT event_id, start_ts, end_ts, lost_volume FROM analytics.downtime_events'))
        .rows,
    ).toEqual([
      {
        event_id: 'W1-2024-02-01 06:00',
        start_ts: '2024-02-01T06:00:00',
        end_ts: '2024-02-01T09:30:00',
        lost_volume: 900,
      },
    ]);

    const forecast = `
table: forecast_daily
columns:
  date: { from: date }
  asset_id: { from: asset }
  product_id: oil
  model_version: { from: model }
  p10: { from: p10 }
  p50: { from: p50 }
  p90: { from: p90 }
`;
    const loadedAt = new Date('2025-03-04T05:06:07Z');
    await loadCsv(warehouse, {
      mapping: forecast,
      csvText: 'date,asset,model,p10,p50,p90\n2024-05-01,W1,v1,1,2,3\n2024-05-01,W1,v2,1,2,3\n',
      loadedAt,
    });
    await loadCsv(warehouse, {
      mapping: forecast,
      csvText: 'date,asset,model,p10,p50,p90\n2024-05-01,W1,v1,4,5,6\n',
      loadedAt,
    });
    expect(
      (
        await warehouse.query(
          'SELECT model_version, p50, generated_at FROM analytics.forecast_daily ORDER BY 1',
        )
      ).rows,
    ).toEqual([
      { model_version: 'v1', p50: 5, generated_at: '2025-03-04T05:06:07' },
      { model_version: 'v2', p50: 2, generated_at: '2025-03-04T05:06:07' },
    ]);
  });
});
