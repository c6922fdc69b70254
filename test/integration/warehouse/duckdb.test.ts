import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DuckDbWarehouse,
  openDuckDbWarehouse,
  WAREHOUSE_ROW_GROUP_SIZE,
} from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { WarehouseError } from '../../../src/ports/warehouse.js';

describe('DuckDB warehouse adapter: prepared statements reused per connection', () => {
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    warehouse = await openDuckDbWarehouse({
      path: ':memory:',
      timeoutMs: 5_000,
      connections: 2,
      statementCacheSize: 2,
    });
    await warehouse.execute('CREATE TABLE scratch (id INTEGER, label VARCHAR)');
    await warehouse.execute("INSERT INTO scratch VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  });
  afterAll(async () => {
    await warehouse?.close();
  });

  const labelOf = 'SELECT label FROM scratch WHERE id = ?';

  it('binds new parameters to a statement it has already prepared, on every connection', async () => {
    const answers = await Promise.all(
      [1, 2, 3, 1, 2, 3, 3, 2, 1].map(async (id) => (await warehouse.query(labelOf, [id])).rows[0]?.label),
    );
    expect(answers).toEqual(['one', 'two', 'three', 'one', 'two', 'three', 'three', 'two', 'one']);
    const none = await warehouse.query(labelOf, [42]);
    expect(none.rows).toEqual([]);
  });

  it('returns every row of a result longer than one chunk, in order, with lower-cased keys and typed values', async () => {
    const result = await warehouse.query<{ n: number; big: number; at: string }>(
      'SELECT i AS "N", CAST(i AS BIGINT) * 3 AS big, TIMESTAMP \'2026-01-01 00:00:00\' + to_seconds(i) AS at FROM range(?) t(i) ORDER BY i',
      [5_000],
    );
    expect(result.rows).toHaveLength(5_000);
    expect(result.rows[0]).toEqual({ n: 0, big: 0, at: '2026-01-01T00:00:00' });
    expect(result.rows[4_999]).toEqual({ n: 4_999, big: 14_997, at: '2026-01-01T01:23:19' });
    expect(result.rows.every((row, index) => row.n === index)).toBe(true);
  });

  it('keeps answering correctly when more statement shapes are used than it caches', async () => {
    for (let round = 0; round < 3; round += 1) {
      expect((await warehouse.query(labelOf, [2])).rows).toEqual([{ label: 'two' }]);
      expect((await warehouse.query('SELECT count(*) AS n FROM scratch WHERE id > ?', [1])).rows).toEqual([
        { n: 2 },
      ]);
      expect((await warehouse.query('SELECT max(id) AS top FROM scratch', [])).rows).toEqual([{ top: 3 }]);
    }
  });

  it('sees a changed table after DDL instead of a stale plan', async () => {
    const everything = 'SELECT * FROM scratch WHERE id = ?';
    expect((await warehouse.query(everything, [1])).rows).toEqual([{ id: 1, label: 'one' }]);
    await warehouse.execute('ALTER TABLE scratch ADD COLUMN note VARCHAR');
    await warehouse.execute("UPDATE scratch SET note = 'first' WHERE id = 1");
    expect((await warehouse.query(everything, [1])).rows).toEqual([{ id: 1, label: 'one', note: 'first' }]);
  });

  it('keeps answering while a write runs beside queries, and every connection sees the new schema', async () => {
    const everything = 'SELECT * FROM scratch WHERE id = ?';
    const before = Promise.all(Array.from({ length: 8 }, () => warehouse.query(labelOf, [2])));
    const write = warehouse.execute('ALTER TABLE scratch ADD COLUMN extra INTEGER DEFAULT 7');
    const during = Promise.all(Array.from({ length: 8 }, () => warehouse.query(labelOf, [3])));
    const [answersBefore, , answersDuring] = await Promise.all([before, write, during]);
    expect(answersBefore.map((result) => result.rows[0]?.label)).toEqual(Array(8).fill('two'));
    expect(answersDuring.map((result) => result.rows[0]?.label)).toEqual(Array(8).fill('three'));
    const after = await Promise.all(Array.from({ length: 4 }, () => warehouse.query(everything, [3])));
    for (const result of after) expect(result.rows[0]).toMatchObject({ id: 3, label: 'three', extra: 7 });
  });

  it('reports a failing statement and answers the next one', async () => {
    const failing = 'SELECT CAST(label AS INTEGER) AS n FROM scratch WHERE id = ?';
    await expect(warehouse.query(failing, [1])).rejects.toBeInstanceOf(WarehouseError);
    await expect(warehouse.query(failing, [1])).rejects.toThrow(/warehouse query failed/);
    expect((await warehouse.query(labelOf, [3])).rows).toEqual([{ label: 'three' }]);
  });
});

describe('DuckDB warehouse adapter: file layout', () => {
  it('writes small row groups, so a one-day filter can skip the rest of a table by its zone maps', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'datalive-rowgroups-'));
    const file = path.join(directory, 'warehouse.duckdb');
    try {
      const writer = await openDuckDbWarehouse({ path: file, timeoutMs: 5_000, connections: 1 });
      await writer.execute(
        "CREATE TABLE facts AS SELECT DATE '2020-01-01' + CAST(range // 10 AS INTEGER) AS day, range AS id FROM range(20000)",
      );
      await writer.close();

      const reader = await openDuckDbWarehouse({ path: file, timeoutMs: 5_000, connections: 1 });
      try {
        const groups = await reader.query<{ groups: number }>(
          "SELECT count(DISTINCT row_group_id) AS groups FROM pragma_storage_info('facts')",
        );
        expect(groups.rows[0]?.groups).toBe(Math.ceil(20_000 / WAREHOUSE_ROW_GROUP_SIZE));
        const day = await reader.query<{ n: number }>(
          'SELECT count(*) AS n FROM facts WHERE day = CAST(? AS DATE)',
          ['2020-06-01'],
        );
        expect(day.rows).toEqual([{ n: 10 }]);
      } finally {
        await reader.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
