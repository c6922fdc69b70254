import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MappingError, type MappingIssue, parseMapping } from '../../../src/domain/importer/mapping.js';

function issuesOf(yaml: string, table?: string): MappingIssue[] {
  try {
    parseMapping(yaml, table === undefined ? {} : { table });
  } catch (error) {
    if (error instanceof MappingError) return error.issues;
    throw error;
  }
  throw new Error('expected the mapping to be rejected');
}

const PRODUCTION = `
table: production_daily
columns:
  date: { from: Day }
  asset_id: { from: Well }
  product_id: oil
  actual_volume: { from: Oil }
`;

describe('parseMapping', () => {
  it('accepts the shipped Volve mappings', () => {
    for (const file of ['docs/examples/volve.mapping.yaml', 'docs/examples/volve-raw.mapping.yaml']) {
      const mapping = parseMapping(readFileSync(file, 'utf8'));
      expect(mapping.table).toBe('production_daily');
      expect(mapping.unpivot.map((entry) => entry.columns.product_id)).toEqual([
        { value: 'oil' },
        { value: 'gas' },
        { value: 'water' },
        { value: 'water_injection' },
      ]);
      expect(mapping.columns.planned_volume).toEqual({ value: null });
      expect(mapping.dimensions.products).toHaveLength(4);
    }
  });

  it('reads bare scalars as constants and fills the CSV dialect defaults', () => {
    const mapping = parseMapping(PRODUCTION);
    expect(mapping.columns.product_id).toEqual({ value: 'oil' });
    expect(mapping.columns.date).toEqual({ from: 'Day' });
    expect(mapping.csv).toEqual({ delimiter: ',', quote: '"', decimal: '.', nullValues: [] });
  });

  it('takes the table from the option when the mapping has none, and refuses a disagreement', () => {
    const withoutTable = PRODUCTION.replace('table: production_daily', '');
    expect(parseMapping(withoutTable, { table: 'production_daily' }).table).toBe('production_daily');
    expect(issuesOf(withoutTable)).toEqual([{ path: 'table', message: expect.stringContaining('required') }]);
    expect(issuesOf(PRODUCTION, 'sites')).toEqual([
      { path: 'table', message: 'the mapping loads "production_daily" but --table says "sites"' },
    ]);
    expect(issuesOf(PRODUCTION.replace('production_daily', 'production'))[0]).toEqual({
      path: 'table',
      message: expect.stringContaining('table "production" is not one of production_daily'),
    });
  });

  it('names unknown target columns and the computed quality_flags column', () => {
    const issues = issuesOf(`${PRODUCTION}  volume: { from: Oil }\n  quality_flags: ok\n`);
    expect(issues).toEqual([
      { path: 'columns.volume', message: expect.stringContaining('production_daily has no column "volume"') },
      { path: 'columns.quality_flags', message: expect.stringContaining('computed by the loader') },
    ]);
  });

  it('names misspelt and conflicting keys of a column', () => {
    const issues = issuesOf(PRODUCTION.replace('asset_id: { from: Well }', 'asset_id: { fromm: Well }'));
    expect(issues).toContainEqual({ path: 'columns.asset_id', message: 'Unrecognized key: "fromm"' });
    expect(issues).toContainEqual({
      path: 'columns.asset_id',
      message: 'give exactly one of from (a CSV column), value (a constant) or template',
    });
    expect(issuesOf(PRODUCTION.replace('{ from: Oil }', '{ from: Oil, value: 3 }'))).toContainEqual({
      path: 'columns.actual_volume',
      message: expect.stringContaining('exactly one of'),
    });
  });

  it('names the missing key columns, also per unpivot entry', () => {
    expect(issuesOf(PRODUCTION.replace('  product_id: oil\n', ''))).toEqual([
      { path: 'columns.product_id', message: expect.stringContaining('is required for production_daily') },
    ]);
    const unpivot = `${PRODUCTION.replace('  product_id: oil\n  actual_volume: { from: Oil }\n', '')}unpivot:
  - { product_id: oil, actual_volume: { from: Oil } }
  - { actual_volume: { from: Gas } }
`;
    expect(issuesOf(unpivot)).toEqual([
      { path: 'columns.product_id', message: expect.stringContaining('missing in unpivot[1]') },
    ]);
  });

  it('refuses a column mapped both in columns and in an unpivot entry', () => {
    const yaml = `${PRODUCTION}unpivot:\n  - { actual_volume: { from: Gas } }\n`;
    expect(issuesOf(yaml)).toEqual([
      {
        path: 'unpivot[0].actual_volume',
        message: 'is also mapped in columns.actual_volume; map it in one place',
      },
    ]);
  });

  it('checks formats, scales and constants against the column type', () => {
    const yaml = PRODUCTION.replace('{ from: Day }', '{ from: Day, format: MM/YYYY }')
      .replace('{ from: Well }', '{ from: Well, format: iso }')
      .replace('product_id: oil', 'product_id: null')
      .replace('{ from: Oil }', '{ from: Oil, scale: 1000 }');
    expect(issuesOf(`${yaml}  uptime_hours: lots\n`)).toEqual([
      { path: 'columns.date.format', message: expect.stringContaining('needs a year') },
      { path: 'columns.asset_id.format', message: expect.stringContaining('applies to date and timestamp') },
      { path: 'columns.product_id.value', message: 'product_id is required and cannot be null' },
      { path: 'columns.uptime_hours.value', message: '"lots" is not a number' },
    ]);
  });

  it('checks templates and the dimension rows', () => {
    const yaml = `${PRODUCTION.replace('{ from: Well }', "{ template: 'well' }")}dimensions:
  assets: { asset_id: { from: Well }, asset_name: { from: Well }, site_id: S1 }
  plants: []
`;
    expect(issuesOf(yaml)).toEqual([{ path: 'dimensions', message: 'Unrecognized key: "plants"' }]);
    expect(issuesOf(yaml.replace('  plants: []\n', ''))).toEqual([
      { path: 'columns.asset_id.template', message: expect.stringContaining('no {COLUMN} placeholder') },
      { path: 'dimensions.assets[0].asset_type', message: 'is required for assets' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('table: production_daily\ncolumns:\n  date: { from: Day\n');
    expect(issues[0]?.message).toMatch(/^YAML syntax/);
    expect(issues[0]?.path).toMatch(/^line \d+$/);
  });

  it('lists every issue in the error message', () => {
    expect(() => parseMapping(PRODUCTION.replace('production_daily', 'nope'), { origin: 'my.yaml' })).toThrow(
      /invalid my\.yaml:\n {2}table: table "nope" is not one of/,
    );
  });
});
