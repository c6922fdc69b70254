import { describe, expect, it } from 'vitest';
import type { CellValue } from '../../../src/domain/importer/cells.js';
import { CsvFileError, LoadValidationError } from '../../../src/domain/importer/errors.js';
import { parseMapping } from '../../../src/domain/importer/mapping.js';
import { type CsvSource, prepareLoad, prepareLoadStream } from '../../../src/domain/importer/prepare.js';

const LOADED_AT = new Date('2025-01-02T03:04:05Z');
const WIDE = parseMapping(`
table: production_daily
columns:
  date: { from: Day }
  asset_id: { from: Well }
  uptime_hours: { from: Hours }
unpivot:
  - { product_id: oil, actual_volume: { from: Oil } }
  - { product_id: gas, actual_volume: { from: Gas } }
convert_units:
  oil: { from: bbl, to: Sm3 }
`);
const CSV = [
  'Day,Well,Hours,Oil,Gas',
  '2024-01-01,W1,24,100,10',
  '2024-01-02,W1,25,-5,10',
  '2024-01-03,W1,0,7,0',
  '2024-01-05,W2,12,1,1',
  '2024-01-05,W2,12,2,2',
  '',
].join('\r\n');

/** The text split into small chunks; `second` is what the second read returns (default the same text). */
function source(text: string, second = text): CsvSource {
  let opened = 0;
  return {
    lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
    async *open() {
      const current = opened === 0 ? text : second;
      opened += 1;
      for (let at = 0; at < current.length; at += 7) yield current.slice(at, at + 7);
    },
  };
}

async function collect(
  batches: AsyncIterable<CellValue[][]> | Iterable<CellValue[][]>,
): Promise<CellValue[][]> {
  const rows: CellValue[][] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

describe('prepareLoadStream', () => {
  it('gives the rows, flags, conversions and counts of the in-memory prepareLoad', async () => {
    const options = { mapping: WIDE, source: 'x.csv', loadedAt: LOADED_AT };
    const whole = prepareLoad({ ...options, csvText: CSV });
    const streamed = await prepareLoadStream({ ...options, csv: source(CSV) });
    expect(streamed.main.rows).toEqual([]);
    expect(streamed.main.rowCount).toBe(whole.main.rows.length);
    expect(streamed.streamRows).toBeDefined();
    expect(await collect(streamed.streamRows?.() ?? [])).toEqual(whole.main.rows);
    const { main: _streamedMain, streamRows: _replay, ...streamedRest } = streamed;
    const { main: _wholeMain, ...wholeRest } = whole;
    expect(streamedRest).toEqual(wholeRest);
  });

  it('rejects with the same errors and line numbers', async () => {
    const bad = `${CSV}2024-01-06,W3,24,abc,1\r\n"2024-01-07,W3\r\n`;
    const options = { mapping: WIDE, source: 'x.csv', loadedAt: LOADED_AT };
    const caught = (run: () => unknown) =>
      Promise.resolve()
        .then(run)
        .catch((error: unknown) => error);
    const whole = await caught(() => prepareLoad({ ...options, csvText: bad }));
    const streamed = await caught(() => prepareLoadStream({ ...options, csv: source(bad) }));
    expect(streamed).toBeInstanceOf(LoadValidationError);
    expect((streamed as LoadValidationError).errors).toEqual((whole as LoadValidationError).errors);
    expect((streamed as LoadValidationError).errors.map((error) => error.line)).toEqual([7, 8]);
  });

  it('fails the write when the file changed between validation and load', async () => {
    const changed = CSV.replace('2024-01-03,W1,0,7,0', '2024-01-03,W1,0,oops,0');
    const prepared = await prepareLoadStream({
      mapping: WIDE,
      source: 'x.csv',
      loadedAt: LOADED_AT,
      csv: source(CSV, changed),
    });
    await expect(collect(prepared.streamRows?.() ?? [])).rejects.toThrow(CsvFileError);
    const longer = await prepareLoadStream({
      mapping: WIDE,
      source: 'x.csv',
      loadedAt: LOADED_AT,
      csv: source(CSV, `${CSV}2024-01-09,W9,1,1,1\r\n`),
    });
    await expect(collect(longer.streamRows?.() ?? [])).rejects.toThrow(/changed while it was being loaded/);
  });
});
