import { parseArgs } from 'node:util';
import { isIsoDate } from '../../domain/dates.js';
import { defaultDemoEndDate, seedDemoData } from '../../domain/demo/seed.js';
import { type Command, UsageError } from '../command.js';
import { resourcesOf } from '../resources.js';

/**
 * `datalive seed-demo`: writes the deterministic demo dataset into an empty embedded DuckDB warehouse;
 * `--end-date D` replaces an earlier demo seed with one ending on D. A warehouse holding loaded data is
 * never touched (exit 1).
 */
export const seedDemoCommand: Command = {
  name: 'seed-demo',
  summary:
    'Load the deterministic demo dataset into an empty embedded warehouse (or refresh it with --end-date)',
  usage: 'datalive seed-demo [--end-date YYYY-MM-DD]',
  async run(context) {
    const { args, io, config } = context;
    const { values } = parseArgs({ args, options: { 'end-date': { type: 'string' } }, strict: true });
    const requested = values['end-date'];
    if (requested !== undefined && !isIsoDate(requested))
      throw new UsageError(
        `--end-date must be a calendar date in YYYY-MM-DD form (got "${requested.slice(0, 40)}")`,
      );
    const settings = config();
    if (settings.warehouse.kind !== 'duckdb')
      throw new UsageError('seed-demo only targets the embedded DuckDB warehouse (WAREHOUSE=duckdb)');
    const resources = resourcesOf(context);
    const lease = await resources.embeddedWarehouse(settings, { create: true });
    try {
      const started = performance.now();
      const result = await seedDemoData(lease.value, {
        endDate: requested ?? defaultDemoEndDate(),
        replace: requested !== undefined,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      if (result.status === 'user_data') {
        io.err(
          `datalive seed-demo: ${result.reason}; nothing was written. Use a separate data directory for the demo ` +
            '(DATALIVE_DATA_DIR=./demo-data datalive seed-demo).',
        );
        return 1;
      }
      if (result.seeded) resources.dataChanged();
      io.out(
        result.status === 'demo_present'
          ? `demo data already present (end date ${result.endDate}); nothing to do (pass --end-date to refresh it)`
          : `demo data ${result.status === 'replaced' ? 'replaced' : 'loaded'} in ${settings.warehouse.path}: ${JSON.stringify(result.rows)} (end date ${result.endDate}, ${seconds}s)`,
      );
      return 0;
    } finally {
      await lease.release();
    }
  },
};
