import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import {
  conversionFactor,
  loadCsv,
  MappingError,
  parseMapping,
  UnitClashError,
} from '../../../src/domain/importer/index.js';
import { loadSemanticModel } from '../../../src/domain/insights/semantic.js';
import { InsightsService } from '../../../src/domain/insights/service.js';

const MAPPING = `
table: production_daily
columns:
  date: { from: date }
  asset_id: { from: well }
unpivot:
  - { product_id: oil, actual_volume: { from: oil } }
  - { product_id: gas, actual_volume: { from: gas } }
dimensions:
  sites: { site_id: VOLVE, site_name: Volve }
  assets: { asset_id: { from: well }, asset_name: { from: well }, site_id: VOLVE, asset_type: well }
  products:
    - { product_id: oil, product_name: Oil, unit: Sm3 }
    - { product_id: gas, product_name: Gas, unit: Sm3 }
`;
const CSV = 'date,well,oil,gas\n2010-03-15,15/9-F-12,3860.92,566200\n';

describe('unit conversion factors', () => {
  it('converts volumes exactly and boe by phase', () => {
    expect(conversionFactor('Sm3', 'bbl')).toEqual({ factor: expect.closeTo(6.289811, 5) });
    expect(conversionFactor('Sm3', 'mscf')).toEqual({ factor: expect.closeTo(0.0353147, 6) });
    expect(conversionFactor('MMscf', 'mscf')).toEqual({ factor: expect.closeTo(1000, 9) });
    expect(conversionFactor('bbl', 'boe')).toEqual({ factor: expect.closeTo(1, 9) });
    expect(conversionFactor('mscf', 'boe')).toEqual({ factor: expect.closeTo(1 / 6, 9) });
    expect(conversionFactor('Sm3', 'boe', 'liquid')).toEqual({ factor: expect.closeTo(6.289811, 5) });
    expect(conversionFactor('Sm3', 'boe')).toEqual({ error: expect.stringMatching(/needs phase/) });
    expect(conversionFactor('mscf', 'boe', 'liquid')).toEqual({
      error: expect.stringMatching(/contradicts/),
    });
    expect(conversionFactor('Sm3', 'litre')).toEqual({ error: expect.stringMatching(/not a unit/) });
  });

  it('refuses an invalid conversion in the mapping, naming the field', () => {
    expect(() => parseMapping(`${MAPPING}convert_units: { oil: { from: Sm3, to: gallon } }`)).toThrow(
      MappingError,
    );
    expect(() => parseMapping(`${MAPPING}convert_units: { oil: { from: bbl, to: Sm3 } }`)).toThrow(
      /convert_units\.oil: dimensions\.products declares oil in Sm3, but convert_units converts from bbl/,
    );
  });
});

describe('a load into a warehouse with products in other units', () => {
  let warehouse: DuckDbWarehouse;
  const units = async () =>
    (
      await warehouse.query<{ product_id: string; unit: string }>(
        'SELECT product_id, unit FROM analytics.products ORDER BY product_id',
      )
    ).rows;

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:', timeoutMs: 30_000, connections: 2 });
    await seedDemoData(warehouse, { endDate: '2025-06-15' });
  });
  afterAll(async () => {
    await warehouse?.close();
  });

  it('is refused with the clash named and nothing written', async () => {
    const before = await units();
    const rows = async () =>
      (await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM analytics.production_daily')).rows[0]
        ?.n;
    const count = await rows();
    const error = await loadCsv(warehouse, { mapping: MAPPING, csvText: CSV }).catch((caught) => caught);
    expect(error).toBeInstanceOf(UnitClashError);
    expect((error as UnitClashError).clashes).toEqual([
      { product_id: 'gas', warehouse_unit: 'mscf', file_unit: 'Sm3' },
      { product_id: 'oil', warehouse_unit: 'bbl', file_unit: 'Sm3' },
    ]);
    expect((error as Error).message).toContain(
      'convert_units: { gas: { from: Sm3, to: mscf }, oil: { from: Sm3, to: bbl } }',
    );
    expect(await units()).toEqual(before);
    expect(await rows()).toBe(count);
    const sites = await warehouse.query<{ n: number }>(
      "SELECT count(*) AS n FROM analytics.sites WHERE site_id = 'VOLVE'",
    );
    expect(sites.rows[0]?.n).toBe(0);
  });

  it('converts as the mapping declares, keeping every product in its unit', async () => {
    const before = await units();
    const summary = await loadCsv(warehouse, {
      mapping: `${MAPPING}convert_units:\n  oil: { from: Sm3, to: bbl }\n  gas: { from: Sm3, to: mscf }\n`,
      csvText: CSV,
    });
    expect(summary.unitConversions.map((entry) => `${entry.product_id}:${entry.from}>${entry.to}`)).toEqual([
      'oil:Sm3>bbl',
      'gas:Sm3>mscf',
    ]);
    expect(await units()).toEqual(before);
    const { rows } = await warehouse.query<{ product_id: string; actual_volume: number }>(
      "SELECT product_id, actual_volume FROM analytics.production_daily WHERE asset_id = '15/9-F-12' ORDER BY product_id",
    );
    expect(rows[0]).toEqual({ product_id: 'gas', actual_volume: expect.closeTo(566200 / 28.316846592, 6) });
    expect(rows[1]).toEqual({
      product_id: 'oil',
      actual_volume: expect.closeTo(3860.92 / 0.158987294928, 6),
    });
  });

  it('never adds products of different units in a variance', async () => {
    const insights = new InsightsService(warehouse, loadSemanticModel(), { cacheTtlMs: 1_000 });
    const filters = await insights.resolveFilters(
      { from: '2025-06-01', to: '2025-06-10', product: ['oil', 'gas'] },
      null,
      { range: 'none' },
    );
    await expect(insights.variance(filters, 'previous_period', 'product')).rejects.toThrow(
      /different units \(bbl, mscf\)/,
    );
  });
});
