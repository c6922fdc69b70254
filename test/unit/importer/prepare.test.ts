import { describe, expect, it } from 'vitest';
import type { CellValue } from '../../../src/domain/importer/cells.js';
import { CsvFileError, LoadValidationError } from '../../../src/domain/importer/errors.js';
import { MappingError, parseMapping } from '../../../src/domain/importer/mapping.js';
import { type PreparedLoad, type PreparedTable, prepareLoad } from '../../../src/domain/importer/prepare.js';

const LOADED_AT = new Date('2025-01-02T03:04:05Z');

function prepare(mappingYaml: string, csvText: string, maxErrors?: number): PreparedLoad {
  return prepareLoad({
    mapping: parseMapping(mappingYaml),
    csvText,
    source: 'test.csv',
    loadedAt: LOADED_AT,
    ...(maxErrors === undefined ? {} : { maxErrors }),
  });
}

function rejection(mappingYaml: string, csvText: string, maxErrors?: number): LoadValidationError {
  try {
    prepare(mappingYaml, csvText, maxErrors);
  } catch (error) {
    if (error instanceof LoadValidationError) return error;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

/** Rows as objects; DATE and TIMESTAMP columns shown as ISO text. */
function objects(prepared: PreparedTable): Array<Record<string, CellValue>> {
  return prepared.rows.map((row) =>
    Object.fromEntries(
      prepared.table.columns.map((column, index) => {
        const value = row[index] ?? null;
        if (typeof value !== 'number' || (column.type !== 'date' && column.type !== 'timestamp'))
          return [column.name, value];
        const iso = new Date(value).toISOString();
        return [column.name, column.type === 'date' ? iso.slice(0, 10) : iso];
      }),
    ),
  );
}

const WIDE = `
table: production_daily
columns:
  date: { from: Day }
  asset_id: { from: Well }
  uptime_hours: { from: Hours }
unpivot:
  - { product_id: oil, actual_volume: { from: Oil } }
  - { product_id: gas, actual_volume: { from: Gas } }
`;

describe('prepareLoad: rejections', () => {
  it('lists every bad row with its line and column, and keeps nothing', () => {
    const csv = [
      'Day,Well,Hours,Oil,Gas',
      '2024-01-01,W1,24,100,"1,000"',
      '2024-01-02,W1,24,abc,5',
      ',W1,24,1,2',
      '2024-13-01,,24,1,2',
      '2024-01-05,W1,24,1',
      '2024-01-06,W1,24,"multi',
      'line",2',
      '2024-01-07,W1,x,1,2',
    ].join('\n');
    const error = rejection(WIDE, csv);
    expect(error.errors).toEqual([
      { line: 3, column: 'Oil', message: 'actual_volume: "abc" is not a number' },
      { line: 4, column: 'Day', message: 'date is missing (a key)' },
      { line: 5, column: 'Day', message: 'date: "2024-13-01" is not a valid calendar date' },
      { line: 5, column: 'Well', message: 'asset_id is missing (a key)' },
      { line: 6, column: null, message: 'has 4 fields but the header has 5' },
      { line: 7, column: 'Oil', message: 'actual_volume: "multi\\nline" is not a number' },
      { line: 9, column: 'Hours', message: 'uptime_hours: "x" is not a number' },
    ]);
    expect(error.errorCount).toBe(7);
    expect(error.rejectedRows).toBe(6);
    expect(error.rowsRead).toBe(7);
    expect(error.message).toMatch(/^file rejected: 7 errors in 6 of 7 rows \(first: line 3, Oil:/);
  });

  it('keeps the first errors only but counts them all', () => {
    const rows = Array.from({ length: 50 }, (_, index) => `2024-01-01,W${index},24,bad,1`);
    const error = rejection(WIDE, ['Day,Well,Hours,Oil,Gas', ...rows].join('\n'), 5);
    expect(error.errors.map((row) => row.line)).toEqual([2, 3, 4, 5, 6]);
    expect(error.errorCount).toBe(50);
  });

  it('rejects malformed quoting with the line where the record starts', () => {
    const error = rejection(WIDE, 'Day,Well,Hours,Oil,Gas\n2024-01-01,"W1"x,24,1,2\n');
    expect(error.errors).toEqual([
      { line: 2, column: null, message: 'unexpected text "x" after a closing quote' },
    ]);
  });

  it('names the mapping field when the file lacks a column, suggesting a near match', () => {
    try {
      prepare(WIDE, 'day,Well,Hours,Oil\n2024-01-01,W1,24,1\n');
      throw new Error('expected a MappingError');
    } catch (error) {
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).issues).toEqual([
        {
          path: 'columns.date.from',
          message: expect.stringContaining('the CSV has no column "Day" (did you mean "day"?)'),
        },
        { path: 'unpivot[1].actual_volume.from', message: expect.stringContaining('no column "Gas"') },
      ]);
    }
  });

  it('refuses an empty file and a file without data rows', () => {
    expect(() => prepare(WIDE, '')).toThrow(CsvFileError);
    expect(() => prepare(WIDE, 'Day,Well,Hours,Oil,Gas\n')).toThrow(/header but no data rows/);
  });
});

describe('prepareLoad: values', () => {
  it('reads quoted thousands separators, empty cells as null, and a BOM with CRLF', () => {
    const prepared = prepare(WIDE, '\uFEFFDay,Well,Hours,Oil,Gas\r\n2024-01-01, W1 ,,"90,439",\r\n');
    expect(objects(prepared.main)).toEqual([
      {
        date: '2024-01-01',
        asset_id: 'W1',
        product_id: 'oil',
        actual_volume: 90439,
        planned_volume: null,
        uptime_hours: null,
        quality_flags: null,
      },
      {
        date: '2024-01-01',
        asset_id: 'W1',
        product_id: 'gas',
        actual_volume: null,
        planned_volume: null,
        uptime_hours: null,
        quality_flags: null,
      },
    ]);
  });

  it('supports a semicolon dialect with decimal commas, null markers, map, default, scale and templates', () => {
    const mapping = `
table: production_daily
csv: { delimiter: ';', decimal: ',', null_values: [NULL, n/a] }
columns:
  date: { from: Datum, format: DD.MM.YYYY }
  asset_id: { template: '{Site}-{Line}' }
  product_id: { from: Kind, map: { R: crude, G: gas } }
  actual_volume: { from: Volume, scale: 0.001 }
  planned_volume: { from: Plan, default: 0 }
  uptime_hours: 24
`;
    const csv =
      'Datum;Site;Line;Kind;Volume;Plan\n03.02.2024;S1;L2;R;1.234,5;NULL\n04.02.2024;S1;L2;G;n/a;7,5\n';
    expect(objects(prepare(mapping, csv).main)).toEqual([
      {
        date: '2024-02-03',
        asset_id: 'S1-L2',
        product_id: 'crude',
        actual_volume: 1.2345,
        planned_volume: 0,
        uptime_hours: 24,
        quality_flags: null,
      },
      {
        date: '2024-02-04',
        asset_id: 'S1-L2',
        product_id: 'gas',
        actual_volume: null,
        planned_volume: 7.5,
        uptime_hours: 24,
        quality_flags: null,
      },
    ]);
  });

  it('applies the row filter and unpivot conditions, counting the rows left out', () => {
    const mapping = `
table: production_daily
filter: { Status: [ok, estimated] }
columns: { date: { from: Day }, asset_id: { from: Well } }
unpivot:
  - { when: { Kind: producer }, product_id: oil, actual_volume: { from: Volume } }
  - { when: { Kind: injector }, product_id: water_injection, actual_volume: { from: Volume } }
`;
    const csv = [
      'Day,Well,Kind,Status,Volume',
      '2024-01-01,P1,producer,ok,10',
      '2024-01-01,I1,injector,estimated,20',
      '2024-01-01,P2,producer,deleted,30',
      '2024-01-01,O1,observer,ok,0',
    ].join('\n');
    const prepared = prepare(mapping, csv);
    expect(objects(prepared.main).map((row) => [row.asset_id, row.product_id, row.actual_volume])).toEqual([
      ['P1', 'oil', 10],
      ['I1', 'water_injection', 20],
    ]);
    expect(prepared.rowsRead).toBe(4);
    expect(prepared.rowsFiltered).toBe(2);
  });
});

describe('prepareLoad: data-quality flags', () => {
  it('loads rule-breaking rows with their flags instead of rejecting them', () => {
    const csv = [
      'Day,Well,Hours,Oil,Gas',
      '2024-01-01,W1,24,100,10',
      '2024-01-02,W1,25,-5,10',
      '2024-01-03,W1,0,7,0',
      '2024-01-04,W1,-1,1,1',
      '2024-01-05,W2,12,1,1',
      '2024-01-05,W2,12,2,2',
    ].join('\n');
    const prepared = prepare(WIDE, csv);
    const flags = objects(prepared.main).map(
      (row) => `${row.date} ${row.asset_id} ${row.product_id}: ${row.quality_flags}`,
    );
    expect(flags).toEqual([
      '2024-01-01 W1 oil: null',
      '2024-01-01 W1 gas: null',
      '2024-01-02 W1 oil: negative_volume,hours_over_24',
      '2024-01-02 W1 gas: hours_over_24',
      '2024-01-03 W1 oil: volume_without_hours',
      '2024-01-03 W1 gas: null',
      '2024-01-04 W1 oil: negative_hours',
      '2024-01-04 W1 gas: negative_hours',
      '2024-01-05 W2 oil: duplicate_key',
      '2024-01-05 W2 gas: duplicate_key',
      '2024-01-05 W2 oil: duplicate_key',
      '2024-01-05 W2 gas: duplicate_key',
    ]);
    expect(prepared.flags).toEqual({
      negative_volume: 1,
      hours_over_24: 2,
      negative_hours: 2,
      volume_without_hours: 1,
      duplicate_key: 4,
    });
    expect(prepared.flaggedRows).toBe(9);
  });
});

describe('prepareLoad: other tables and dimensions', () => {
  it('derives distinct dimension rows, keeps the first of conflicting ones and warns', () => {
    const mapping = `${WIDE}dimensions:
  sites: { site_id: S1, site_name: Site one }
  assets:
    - { asset_id: { from: Well }, asset_name: { from: Name }, site_id: S1, asset_type: well }
  products:
    - { product_id: oil, product_name: Oil, unit: Sm3 }
    - { product_id: gas, product_name: Gas, unit: Sm3 }
`;
    const csv =
      'Day,Well,Name,Hours,Oil,Gas\n2024-01-01,W1,Well 1,24,1,1\n2024-01-02,W1,Well one,24,1,1\n2024-01-01,W2,Well 2,24,1,1\n';
    const prepared = prepare(mapping, csv);
    const byTable = Object.fromEntries(
      prepared.dimensions.map((table) => [table.table.name, objects(table)]),
    );
    expect(byTable.sites).toEqual([{ site_id: 'S1', site_name: 'Site one', region: null, timezone: null }]);
    expect(byTable.products?.map((row) => row.product_id)).toEqual(['oil', 'gas']);
    expect(byTable.assets).toEqual([
      { asset_id: 'W1', asset_name: 'Well 1', site_id: 'S1', asset_type: 'well', unit: null },
      { asset_id: 'W2', asset_name: 'Well 2', site_id: 'S1', asset_type: 'well', unit: null },
    ]);
    expect(prepared.dimensions.find((table) => table.table.name === 'assets')?.mappedColumns).toEqual([
      'asset_id',
      'asset_name',
      'site_id',
      'asset_type',
    ]);
    expect(prepared.warnings).toEqual([
      expect.stringMatching(/^1 assets row\(s\) disagree .*asset_id="W1": asset_name "Well one" on line 3/),
    ]);
  });

  it('rejects a row whose derived dimension key is missing', () => {
    const mapping = `${WIDE}dimensions:
  assets: { asset_id: { from: Well }, asset_name: { from: Name }, site_id: S1, asset_type: well }
`;
    const error = rejection(mapping, 'Day,Well,Name,Hours,Oil,Gas\n2024-01-01,W1,,24,1,1\n');
    expect(error.errors).toEqual([
      { line: 2, column: 'Name', message: 'dimensions.assets[0].asset_name is missing (required)' },
    ]);
  });

  it('reads downtime events, rejecting inverted intervals and repeated event ids', () => {
    const mapping = `
table: downtime_events
columns:
  event_id: { from: id }
  asset_id: { from: asset }
  start_ts: { from: start, format: DD/MM/YYYY HH:mm }
  end_ts: { from: end, format: DD/MM/YYYY HH:mm }
  cause_code: { from: code }
  cause_category: { from: code, map: { TRIP: equipment, WX: weather } }
  lost_volume: { from: lost }
`;
    const good = 'id,asset,start,end,code,lost\nE1,W1,01/02/2024 06:00,01/02/2024 09:30,TRIP,"1,200"\n';
    expect(objects(prepare(mapping, good).main)).toEqual([
      {
        event_id: 'E1',
        asset_id: 'W1',
        product_id: null,
        start_ts: '2024-02-01T06:00:00.000Z',
        end_ts: '2024-02-01T09:30:00.000Z',
        cause_code: 'TRIP',
        cause_category: 'equipment',
        lost_volume: 1200,
        description: null,
      },
    ]);
    const bad = `${good}E2,W1,02/02/2024 10:00,02/02/2024 09:00,WX,\nE1,W2,03/02/2024 10:00,03/02/2024 11:00,WX,\n`;
    expect(rejection(mapping, bad).errors).toEqual([
      { line: 3, column: 'end', message: 'end_ts is before start_ts' },
      { line: 4, column: 'event_id', message: 'duplicate key event_id="E1" (first on line 2)' },
    ]);
  });

  it('stamps forecast rows with the load time unless the mapping gives generated_at', () => {
    const mapping = `
table: forecast_daily
columns:
  date: { from: date }
  asset_id: { from: asset }
  product_id: { from: product }
  model_version: v1
  p50: { from: p50 }
`;
    const rows = objects(prepare(mapping, 'date,asset,product,p50\n2024-05-01,W1,oil,12.5\n').main);
    expect(rows).toEqual([
      {
        date: '2024-05-01',
        asset_id: 'W1',
        product_id: 'oil',
        model_version: 'v1',
        p10: null,
        p50: 12.5,
        p90: null,
        generated_at: LOADED_AT.toISOString(),
      },
    ]);
  });
});
