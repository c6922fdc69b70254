import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbWarehouse } from '../../../src/adapters/duckdb/duckdb-warehouse.js';
import { UsageError } from '../../../src/cli/command.js';
import { backtestCommand } from '../../../src/cli/commands/backtest.js';
import { loadConfig } from '../../../src/config.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import type { BacktestReport } from '../../../src/domain/forecast/index.js';
import { captureIo } from '../../support/cli.js';
import { tempDir, testEnv } from '../../support/services.js';

const END_DATE = '2025-06-15';

interface BacktestJson {
  product: string;
  as_of: string;
  series: Array<{ id: string; days: number }>;
  report: BacktestReport;
}

/** Holds the DuckDB file lock from another process, as a running server does. */
async function holdLock(file: string): Promise<ChildProcess> {
  const script = [
    "const { DuckDBInstance } = await import('@duckdb/node-api');",
    `const instance = await DuckDBInstance.create(${JSON.stringify(file)});`,
    "process.stdout.write('ready\\n');",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('datalive backtest', () => {
  let env: NodeJS.ProcessEnv;
  let warehousePath: string;

  beforeAll(async () => {
    warehousePath = path.join(tempDir('datalive-backtest-'), 'warehouse.duckdb');
    const warehouse = await openDuckDbWarehouse({ path: warehousePath, timeoutMs: 10_000 });
    try {
      await seedDemoData(warehouse, { endDate: END_DATE });
    } finally {
      await warehouse.close();
    }
    env = testEnv({ DUCKDB_PATH: warehousePath });
  });

  const run = async (args: string[], environment: NodeJS.ProcessEnv = env) => {
    const io = captureIo();
    const code = await backtestCommand.run({
      args,
      io,
      config: (overrides = {}) => loadConfig({ ...environment, ...overrides }),
    });
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  it('scores one asset against naive and prints the report as JSON', async () => {
    const { code, stdout, stderr } = await run(['--series', 'asset:WELL-A01', '--horizons', '7', '--json']);
    expect(code, stderr).toBe(0);
    const output = JSON.parse(stdout) as BacktestJson;
    expect(output.product).toBe('oil');
    expect(output.as_of).toBe(END_DATE);
    expect(output.series).toEqual([{ id: 'asset:WELL-A01', days: 760 }]);
    const [scores] = output.report.aggregate;
    expect(scores?.horizon).toBe(7);
    expect(scores?.atHorizon.selected.mase).toBeGreaterThan(0);
    expect(scores?.atHorizon.naive.mase).toBeGreaterThan(0);
    expect(scores?.atHorizon.seasonal_naive.mase).toBeGreaterThan(0);
    expect(scores?.ratioToNaive.naive).toBe(1);
    expect(scores?.overWindow.selected.coverage).toBeGreaterThan(0);
    expect(Number.isFinite(scores?.overWindow.selected.bias)).toBe(true);
    expect(scores?.atHorizon.selected.origins).toBeGreaterThan(50);
    expect(output.report.series.map((series) => series.id)).toEqual(['asset:WELL-A01']);
    expect(stderr).toMatch(/backtest: \d+\/\d+ \(100%\)/);
  });

  it('backtests a site as the sum of its wells and prints the table', async () => {
    const { code, stdout } = await run(['--series', 'site:SITE-C', '--horizons', '7,30', '--step', '28']);
    expect(code).toBe(0);
    expect(stdout).toContain('Rolling-origin backtest: 1 series, an origin every 28 days');
    expect(stdout).toMatch(/^\s*7\s+selected model/m);
    expect(stdout).toMatch(/^\s*30\s+selected model/m);
    expect(stdout).toContain('site:SITE-C');
  });

  it('takes every producing asset of the product by default', async () => {
    const { code, stdout } = await run(['--horizons', '7', '--step', '90', '--product', 'gas', '--json']);
    expect(code).toBe(0);
    const output = JSON.parse(stdout) as BacktestJson;
    expect(output.product).toBe('gas');
    expect(output.series).toHaveLength(12);
    expect(output.series.every((series) => series.id.startsWith('asset:WELL-'))).toBe(true);
  });

  it('rejects unknown series, bad horizons and bad specs as usage errors', async () => {
    await expect(run(['--series', 'asset:WELL-NOPE', '--horizons', '7'])).rejects.toThrow(
      /unknown series asset:WELL-NOPE; known: asset:/,
    );
    await expect(run(['--series', 'asset:WELL-NOPE'])).rejects.toBeInstanceOf(UsageError);
    for (const horizons of ['0', '7,x', '181', '']) {
      await expect(run(['--horizons', horizons])).rejects.toBeInstanceOf(UsageError);
    }
    await expect(run(['--horizons', '7,x'])).rejects.toThrow(/--horizons: horizons must be whole days/);
    await expect(run(['--series', 'WELL-A01'])).rejects.toThrow(/is not asset:ID or site:ID/);
    await expect(run(['--step', '0'])).rejects.toThrow(/--step/);
    await expect(run(['--product', 'helium'])).rejects.toThrow(/unknown product "helium"/);
  });

  it('says to stop the server when the warehouse file is locked, and names a missing warehouse', async () => {
    const holder = await holdLock(warehousePath);
    try {
      await expect(run(['--series', 'asset:WELL-A01', '--horizons', '7'])).rejects.toThrow(
        /locked by another process .*stop the server first/,
      );
    } finally {
      holder.kill();
    }
    const missing = testEnv({ DUCKDB_PATH: path.join(tempDir(), 'none.duckdb') });
    await expect(run(['--horizons', '7'], missing)).rejects.toThrow(/no warehouse at .*seed-demo/);
  });
});
