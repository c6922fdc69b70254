import { parseArgs } from 'node:util';
import { openDatabase } from '../../adapters/postgres/database.js';
import { migrate } from '../../adapters/postgres/migrate.js';
import type { Command } from '../command.js';
import { resourcesOf } from '../resources.js';

/** `datalive migrate`: applies pending migrations to the configured database. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations (safe to run concurrently)',
  usage: 'datalive migrate',
  async run(context) {
    const { args, io, config } = context;
    parseArgs({ args, options: {}, strict: true });
    const settings = config();
    const resources = resourcesOf(context);
    const lease =
      resources.where === 'server'
        ? await resources.database(settings)
        : await (async () => {
            const db = await openDatabase(settings.database);
            return { value: db, release: () => db.close() };
          })();
    const db = lease.value;
    try {
      const report = await migrate(db.pool, {
        variables: { embedding_dimension: settings.embedder.dimension },
        onApplied: (name) => io.out(`applied ${name}`),
      });
      io.out(
        report.applied.length === 0
          ? `database is up to date (${report.alreadyApplied} migrations applied earlier)`
          : `${report.applied.length} migration(s) applied, ${report.alreadyApplied} already present`,
      );
      return 0;
    } finally {
      await lease.release();
    }
  },
};
