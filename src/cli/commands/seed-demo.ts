import { parseArgs } from 'node:util';
import { openDuckDbWarehouse } from '../../adapters/duckdb/duckdb-warehouse.js';
import { defaultDemoEndDate, seedDemoData } from '../../domain/demo/seed.js';
import { type Command, UsageError } from '../command.js';

/** `datalive seed-demo`: writes the deterministic demo dataset into the embedded DuckDB warehouse. */
export const seedDemoCommand: Command = {
  name: 'seed-demo',
  summary: 'Load the deterministic demo dataset into the embedded DuckDB warehouse',
  usage: 'datalive seed-demo [--end-date YYYY-MM-DD]',
  async run({ args, io, config }) {
    const { values } = parseArgs({ args, options: { 'end-date': { type: 'string' } }, strict: true });
    const endDate = values['end-date'] ?? defaultDemoEndDate();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) throw new UsageError('--end-date must be YYYY-MM-DD');
    const settings = config();
    if (settings.warehouse.kind !== 'duckdb')
      throw new UsageError('seed-demo only targets the embedded DuckDB warehouse (WAREHOUSE=duckdb)');
    const warehouse = await openDuckDbWarehouse({
      path: settings.warehouse.path,
      timeoutMs: settings.warehouse.timeoutMs,
    });
    try {
      const started = performance.now();
      const result = await seedDemoData(warehouse, { endDate });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      io.out(
        result.seeded
          ? `demo data loaded into ${settings.warehouse.path}: ${JSON.stringify(result.rows)} (end date ${result.endDate}, ${seconds}s)`
          : `demo data already present (end date ${result.endDate}); nothing to do`,
      );
      return 0;
    } finally {
      await warehouse.close();
    }
  },
};
