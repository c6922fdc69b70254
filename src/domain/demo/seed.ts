import { type DuckDBAppender, type DuckDBConnection, dateValue, timestampValue } from '@duckdb/node-api';
import type { DuckDbWarehouse } from '../../adapters/duckdb/duckdb-warehouse.js';
import { DEMO_SITES } from './catalog.js';
import { parseIsoDate } from './dates.js';
import {
  DEMO_TABLES,
  type DemoDataset,
  type DemoDatasetOptions,
  type DemoIncident,
  type DemoTable,
  demoIncidents,
  generateDemoDataset,
} from './generate.js';

/** `load_metadata.source` of demo loads. */
export const DEMO_SOURCE = 'demo';

/** Options of {@link seedDemoData}. */
export interface SeedDemoOptions extends DemoDatasetOptions {
  /** `load_metadata.loaded_at` (default: now). */
  loadedAt?: Date;
  /** Replace an earlier demo seed (a warehouse holding only demo data) with one for `endDate`. */
  replace?: boolean;
}

/**
 * What {@link seedDemoData} found and did: `seeded` into an empty warehouse, `replaced` an earlier demo
 * seed, left the `demo_present` one alone, or refused because the warehouse holds `user_data`.
 */
export type SeedDemoStatus = 'seeded' | 'replaced' | 'demo_present' | 'user_data';

/** What {@link seedDemoData} did. */
export interface SeedDemoResult {
  status: SeedDemoStatus;
  /** True when rows were written (`seeded` or `replaced`). */
  seeded: boolean;
  /** Why nothing was loaded (null when seeded). */
  reason: string | null;
  /** Last day of the demo history now in the warehouse (the existing one when skipped). */
  endDate: string;
  /** Rows inserted per table (all zero when skipped). */
  rows: Record<DemoTable, number>;
  /** The injected incidents, dated against {@link SeedDemoResult.endDate}. */
  incidents: DemoIncident[];
  elapsedMs: number;
}

/**
 * Default end date of the demo history: today (UTC) of `now`, so that the injected compressor trip
 * (one day before the end date) falls on "yesterday". Only the seeding default reads the clock; the
 * generator itself never does.
 */
export const defaultDemoEndDate = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

type ColumnKind = 'varchar' | 'double' | 'date' | 'timestamp';

/** Columns of each table in DDL order (the appender writes positionally). */
const TABLE_COLUMNS: {
  [Table in DemoTable]: ReadonlyArray<readonly [keyof DemoDataset[Table][number], ColumnKind]>;
} = {
  sites: [
    ['site_id', 'varchar'],
    ['site_name', 'varchar'],
    ['region', 'varchar'],
    ['timezone', 'varchar'],
  ],
  assets: [
    ['asset_id', 'varchar'],
    ['asset_name', 'varchar'],
    ['site_id', 'varchar'],
    ['asset_type', 'varchar'],
    ['unit', 'varchar'],
  ],
  products: [
    ['product_id', 'varchar'],
    ['product_name', 'varchar'],
    ['unit', 'varchar'],
  ],
  production_daily: [
    ['date', 'date'],
    ['asset_id', 'varchar'],
    ['product_id', 'varchar'],
    ['actual_volume', 'double'],
    ['planned_volume', 'double'],
    ['uptime_hours', 'double'],
    ['quality_flags', 'varchar'],
  ],
  forecast_daily: [
    ['date', 'date'],
    ['asset_id', 'varchar'],
    ['product_id', 'varchar'],
    ['model_version', 'varchar'],
    ['p10', 'double'],
    ['p50', 'double'],
    ['p90', 'double'],
    ['generated_at', 'timestamp'],
  ],
  downtime_events: [
    ['event_id', 'varchar'],
    ['asset_id', 'varchar'],
    ['product_id', 'varchar'],
    ['start_ts', 'timestamp'],
    ['end_ts', 'timestamp'],
    ['cause_code', 'varchar'],
    ['cause_category', 'varchar'],
    ['lost_volume', 'double'],
    ['description', 'varchar'],
  ],
};

/**
 * Loads the demo dataset for `endDate` into the warehouse in one transaction (appenders, then one
 * `load_metadata` row per table with source `demo`). The demo only ever goes into an empty warehouse:
 * when demo data is already present nothing is written (or, with `replace`, it is deleted and seeded
 * again for `endDate`); a warehouse holding any other data (a user's loads) is never touched, so demo
 * and user rows can never share a product, a unit or a key.
 */
export async function seedDemoData(
  warehouse: DuckDbWarehouse,
  options: SeedDemoOptions,
): Promise<SeedDemoResult> {
  const started = performance.now();
  const loadedAt = (options.loadedAt ?? new Date()).toISOString().slice(0, 19).replace('T', ' ');
  return warehouse.transaction(async (connection) => {
    const contents = await inspectContents(connection);
    const skipped = (status: SeedDemoStatus, reason: string, endDate: string): SeedDemoResult => ({
      status,
      seeded: false,
      reason,
      endDate,
      rows: countRows(null),
      incidents: demoIncidents(endDate),
      elapsedMs: performance.now() - started,
    });
    if (contents.kind === 'user_data') {
      return skipped(
        'user_data',
        `the warehouse holds loaded data (${contents.description}); the demo is seeded only into an empty warehouse`,
        options.endDate,
      );
    }
    if (contents.kind === 'demo' && !options.replace) {
      const endDate = contents.endDate ?? options.endDate;
      return skipped('demo_present', 'demo data already present', endDate);
    }
    if (contents.kind === 'demo') {
      for (const table of [...DEMO_TABLES].reverse()) await connection.run(`DELETE FROM analytics.${table}`);
      await connection.run('DELETE FROM analytics.load_metadata');
    }
    const dataset = generateDemoDataset(options);
    for (const table of DEMO_TABLES) await appendTable(connection, table, dataset);
    for (const table of DEMO_TABLES) {
      await connection.run(
        'INSERT INTO analytics.load_metadata (table_name, source, loaded_at, row_count) VALUES (?, ?, CAST(? AS TIMESTAMP), ?)',
        [table, DEMO_SOURCE, loadedAt, dataset[table].length],
      );
    }
    return {
      status: contents.kind === 'demo' ? 'replaced' : 'seeded',
      seeded: true,
      reason: null,
      endDate: dataset.meta.end_date,
      rows: countRows(dataset),
      incidents: dataset.incidents,
      elapsedMs: performance.now() - started,
    };
  });
}

/** What a warehouse holds, as far as the demo seed is concerned. */
export type WarehouseContents =
  | { kind: 'empty' }
  | { kind: 'demo'; endDate: string | null }
  | { kind: 'user_data'; description: string };

/**
 * Classifies the warehouse: `empty` (no row in any table), `demo` (every load recorded is a demo seed and
 * the demo sites are present) or `user_data` (anything else, including rows written without a load record).
 */
export async function inspectContents(connection: DuckDBConnection): Promise<WarehouseContents> {
  const siteIds = DEMO_SITES.map((site) => site.site_id);
  const counts = DEMO_TABLES.map((table) => `(SELECT count(*) FROM analytics.${table}) AS ${table}`).join(
    ', ',
  );
  const reader = await connection.runAndReadAll(
    `SELECT ${counts},
       (SELECT count(*) FROM analytics.load_metadata WHERE source = ?) AS demo_loads,
       (SELECT count(*) FROM analytics.load_metadata WHERE source <> ?) AS other_loads,
       (SELECT string_agg(DISTINCT source, ', ' ORDER BY source) FROM analytics.load_metadata WHERE source <> ?) AS other_sources,
       (SELECT count(*) FROM analytics.sites WHERE site_id NOT IN (${siteIds.map(() => '?').join(', ')})) AS other_sites,
       (SELECT CAST(max(p.date) AS VARCHAR) FROM analytics.production_daily p
          JOIN analytics.assets a ON a.asset_id = p.asset_id
         WHERE a.site_id IN (${siteIds.map(() => '?').join(', ')})) AS end_date`,
    [DEMO_SOURCE, DEMO_SOURCE, DEMO_SOURCE, ...siteIds, ...siteIds],
  );
  const row = reader.getRowObjectsJson()[0] ?? {};
  const rows = DEMO_TABLES.reduce((sum, table) => sum + Number(row[table] ?? 0), 0);
  const otherLoads = Number(row.other_loads ?? 0);
  if (rows === 0 && otherLoads === 0) return { kind: 'empty' };
  if (otherLoads > 0)
    return { kind: 'user_data', description: `${otherLoads} load(s) from ${String(row.other_sources)}` };
  if (Number(row.demo_loads ?? 0) === 0 || Number(row.other_sites ?? 0) > 0)
    return { kind: 'user_data', description: `${rows} rows not written by the demo seed` };
  return { kind: 'demo', endDate: typeof row.end_date === 'string' ? row.end_date : null };
}

function countRows(dataset: DemoDataset | null): Record<DemoTable, number> {
  return Object.fromEntries(
    DEMO_TABLES.map((table) => [table, dataset ? dataset[table].length : 0]),
  ) as Record<DemoTable, number>;
}

async function appendTable<Table extends DemoTable>(
  connection: DuckDBConnection,
  table: Table,
  dataset: DemoDataset,
): Promise<void> {
  const appender = await connection.createAppender(table, 'analytics');
  try {
    const columns = TABLE_COLUMNS[table];
    const rows: ReadonlyArray<DemoDataset[Table][number]> = dataset[table];
    for (const row of rows) {
      for (const [column, kind] of columns) appendValue(appender, kind, row[column]);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

const epochDays = new Map<string, number>();

function appendValue(appender: DuckDBAppender, kind: ColumnKind, value: unknown): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (kind) {
    case 'varchar':
      appender.appendVarchar(String(value));
      return;
    case 'double':
      appender.appendDouble(Number(value));
      return;
    case 'date':
      appender.appendDate(dateValue(epochDayCached(String(value))));
      return;
    case 'timestamp':
      appender.appendTimestamp(timestampValue(BigInt(Date.parse(`${String(value)}Z`)) * 1000n));
      return;
  }
}

function epochDayCached(date: string): number {
  let day = epochDays.get(date);
  if (day === undefined) {
    day = parseIsoDate(date);
    epochDays.set(date, day);
  }
  return day;
}
