import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { UsageError } from '../../../src/cli/command.js';
import { loadCsvCommand } from '../../../src/cli/commands/load-csv.js';
import { loadConfig } from '../../../src/config.js';
import { captureIo } from '../../support/cli.js';
import { tempDir, testEnv } from '../../support/services.js';

const MAPPING = `
table: production_daily
columns:
  date: { from: day }
  asset_id: { from: well }
  product_id: oil
  actual_volume: { from: oil }
  uptime_hours: { from: hours }
dimensions:
  products: { product_id: oil, product_name: Oil, unit: Sm3 }
`;

describe('datalive load-csv', () => {
  const directory = tempDir('datalive-load-csv-');
  const warehousePath = path.join(directory, 'warehouse.duckdb');
  const env = testEnv({ DUCKDB_PATH: warehousePath });
  const mappingPath = path.join(directory, 'wells.mapping.yaml');
  const goodCsv = path.join(directory, 'wells.csv');
  const badCsv = path.join(directory, 'bad.csv');

  const run = async (args: string[]) => {
    const io = captureIo();
    const code = await loadCsvCommand.run({
      args,
      io,
      config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    });
    const progress = io.stderr.filter((line) => /^(validating|loading): /.test(line));
    const stderr = io.stderr.filter((line) => !progress.includes(line));
    return { code, stdout: io.stdout, stderr, progress };
  };

  beforeAll(() => {
    writeFileSync(mappingPath, MAPPING);
    writeFileSync(goodCsv, 'day,well,oil,hours\n2024-01-01,W1,"1,500",24\n2024-01-02,W1,-3,25\n');
    const badRows = Array.from(
      { length: 25 },
      (_, index) => `2024-02-${String(index + 1).padStart(2, '0')},W1,n/a,24`,
    );
    writeFileSync(badCsv, ['day,well,oil,hours', '2024-01-01,W1,1,24', ...badRows].join('\n'));
  });

  it('loads a file and prints a summary with the flags', async () => {
    const result = await run(['--mapping', mappingPath, goodCsv]);
    expect(result.code, result.stderr.join('\n')).toBe(0);
    expect(result.stdout[0]).toBe(`loaded wells.csv into production_daily (${warehousePath})`);
    expect(result.stdout.join('\n')).toMatch(/rows loaded {4}2\n/);
    expect(result.stdout.join('\n')).toContain(
      'quality flags  1 rows flagged: negative_volume 1, hours_over_24 1',
    );
    expect(result.stderr).toEqual([
      expect.stringContaining('warning: 1 asset_id value(s) have no row in assets'),
    ]);
    expect(result.progress).toEqual(['validating: 3/3 (100%)', 'loading: 3/3 (100%)']);
  });

  it('prints JSON with --json, and a re-load replaces the same rows', async () => {
    const result = await run(['--table', 'production_daily', '--mapping', mappingPath, '--json', goodCsv]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.join('\n'))).toMatchObject({
      status: 'loaded',
      table: 'production_daily',
      source: 'wells.csv',
      rowsRead: 2,
      rowsLoaded: 2,
      rowsReplaced: 2,
      flags: { negative_volume: 1, hours_over_24: 1 },
    });
  });

  it('rejects a file with bad rows, listing the first 20 with line numbers, and loads nothing', async () => {
    const result = await run(['--mapping', mappingPath, badCsv]);
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toBe(
      `datalive load-csv: ${badCsv} rejected, nothing was loaded: 25 error(s) in 25 of 26 rows`,
    );
    expect(result.stderr[1]).toBe('  line 3 [oil]: actual_volume: "n/a" is not a number');
    expect(result.stderr).toHaveLength(1 + 20 + 1);
    expect(result.stderr.at(-1)).toBe('  … and 5 more');

    const json = await run(['--mapping', mappingPath, '--json', badCsv]);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout.join('\n')) as {
      status: string;
      error_count: number;
      errors: unknown[];
    };
    expect(body).toMatchObject({ status: 'rejected', error_count: 25 });
    expect(body.errors).toHaveLength(20);

    const warehouse = await DuckDbWarehouse.open({ path: warehousePath, timeoutMs: 5_000 });
    try {
      const rows = await warehouse.query<{ n: number }>(
        'SELECT count(*) AS n FROM analytics.production_daily',
      );
      expect(rows.rows[0]?.n).toBe(2);
    } finally {
      await warehouse.close();
    }
  });

  it('validates without writing on --dry-run', async () => {
    const result = await run(['--mapping', mappingPath, '--dry-run', goodCsv]);
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toBe('wells.csv is valid for production_daily (dry run: nothing was written)');
  });

  it('exits 2 with the faulty field of an invalid mapping', async () => {
    const broken = path.join(directory, 'broken.mapping.yaml');
    writeFileSync(broken, MAPPING.replace('asset_id: { from: well }', 'asset: { from: well }'));
    const result = await run(['--mapping', broken, goodCsv]);
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain('columns.asset: production_daily has no column "asset"');
    expect(result.stderr.join('\n')).toContain('columns.asset_id: is required for production_daily');
  });

  it('exits 1 naming the mapping field when the file lacks a column', async () => {
    const other = path.join(directory, 'other.csv');
    writeFileSync(other, 'day,asset,oil,hours\n2024-01-01,W1,1,24\n');
    const result = await run(['--mapping', mappingPath, other]);
    expect(result.code).toBe(1);
    expect(result.stderr.join('\n')).toContain('columns.asset_id.from: the CSV has no column "well"');
  });

  it('raises usage errors for missing arguments and files', async () => {
    await expect(run([goodCsv])).rejects.toThrow(UsageError);
    await expect(run(['--mapping', mappingPath])).rejects.toThrow(/exactly one CSV file/);
    await expect(run(['--mapping', mappingPath, path.join(directory, 'missing.csv')])).rejects.toThrow(
      /CSV file not found/,
    );
    await expect(run(['--mapping', mappingPath, '--table', 'nope', goodCsv])).resolves.toMatchObject({
      code: 2,
    });
  });

  describe('while another process holds the warehouse', () => {
    let holder: ChildProcess | undefined;

    beforeAll(async () => {
      const script =
        "import { DuckDBInstance } from '@duckdb/node-api';" +
        'await DuckDBInstance.create(process.argv[1]);' +
        "process.stdout.write('ready\\n');" +
        'setInterval(() => {}, 1000);';
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, warehousePath], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      holder = child;
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
      });
    });
    afterAll(() => {
      holder?.kill();
    });

    it('says to stop the server first and loads nothing', async () => {
      const result = await run(['--mapping', mappingPath, goodCsv]);
      expect(result.code).toBe(1);
      expect(result.stderr.join('\n')).toMatch(
        /is locked by another process .*stop the server first or close that process\. Nothing was loaded\./,
      );
    });
  });
});
