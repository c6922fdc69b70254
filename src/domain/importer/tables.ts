/** SQL type of a warehouse column as the importer sees it. */
export type ColumnType = 'varchar' | 'double' | 'date' | 'timestamp';

/** One column of a loadable warehouse table (in DDL order, see `src/adapters/duckdb/schema.ts`). */
export interface TableColumn {
  name: string;
  type: ColumnType;
  /** NOT NULL in the warehouse: a row without it is an error. */
  required: boolean;
  /**
   * Filled by the loader: `quality_flags` always (a mapping may not set it); `load_time` only when the mapping
   * leaves the column unmapped (`forecast_daily.generated_at` defaults to the load time).
   */
  computed?: 'quality_flags' | 'load_time';
}

/** How rows of a table replace what is already in the warehouse. */
export type ReplaceStrategy =
  /** Delete every warehouse row whose key occurs in the file, then insert the file's rows (no primary key). */
  | 'replace-by-key'
  /** Insert, or update the mapped columns of the row with the same primary key. */
  | 'upsert';

/** A warehouse table that `load-csv` can write. */
export interface LoadableTable {
  name: LoadableTableName;
  columns: readonly TableColumn[];
  /** Columns that identify a row (the primary key where there is one). */
  key: readonly string[];
  strategy: ReplaceStrategy;
  /** True when data-quality rules apply and their flags are stored in `quality_flags`. */
  qualityFlags: boolean;
}

/** Tables that `load-csv` can target. */
export const LOADABLE_TABLE_NAMES = [
  'production_daily',
  'downtime_events',
  'forecast_daily',
  'sites',
  'assets',
  'products',
] as const;

/** Name of a loadable table. */
export type LoadableTableName = (typeof LOADABLE_TABLE_NAMES)[number];

/** Tables a mapping may fill as dimensions next to its main table. */
export const DIMENSION_TABLE_NAMES = ['sites', 'assets', 'products'] as const;

/** Name of a dimension table. */
export type DimensionTableName = (typeof DIMENSION_TABLE_NAMES)[number];

const column = (name: string, type: ColumnType, required = false): TableColumn => ({ name, type, required });

/** Definitions of every loadable table, mirroring the warehouse DDL. */
export const LOADABLE_TABLES: Readonly<Record<LoadableTableName, LoadableTable>> = {
  production_daily: {
    name: 'production_daily',
    columns: [
      column('date', 'date', true),
      column('asset_id', 'varchar', true),
      column('product_id', 'varchar', true),
      column('actual_volume', 'double'),
      column('planned_volume', 'double'),
      column('uptime_hours', 'double'),
      { name: 'quality_flags', type: 'varchar', required: false, computed: 'quality_flags' },
    ],
    key: ['date', 'asset_id', 'product_id'],
    strategy: 'replace-by-key',
    qualityFlags: true,
  },
  forecast_daily: {
    name: 'forecast_daily',
    columns: [
      column('date', 'date', true),
      column('asset_id', 'varchar', true),
      column('product_id', 'varchar', true),
      column('model_version', 'varchar', true),
      column('p10', 'double'),
      column('p50', 'double'),
      column('p90', 'double'),
      { name: 'generated_at', type: 'timestamp', required: true, computed: 'load_time' },
    ],
    key: ['date', 'asset_id', 'product_id', 'model_version'],
    strategy: 'replace-by-key',
    qualityFlags: false,
  },
  downtime_events: {
    name: 'downtime_events',
    columns: [
      column('event_id', 'varchar', true),
      column('asset_id', 'varchar', true),
      column('product_id', 'varchar'),
      column('start_ts', 'timestamp', true),
      column('end_ts', 'timestamp', true),
      column('cause_code', 'varchar', true),
      column('cause_category', 'varchar', true),
      column('lost_volume', 'double'),
      column('description', 'varchar'),
    ],
    key: ['event_id'],
    strategy: 'upsert',
    qualityFlags: false,
  },
  sites: {
    name: 'sites',
    columns: [
      column('site_id', 'varchar', true),
      column('site_name', 'varchar', true),
      column('region', 'varchar'),
      column('timezone', 'varchar'),
    ],
    key: ['site_id'],
    strategy: 'upsert',
    qualityFlags: false,
  },
  assets: {
    name: 'assets',
    columns: [
      column('asset_id', 'varchar', true),
      column('asset_name', 'varchar', true),
      column('site_id', 'varchar', true),
      column('asset_type', 'varchar', true),
      column('unit', 'varchar'),
    ],
    key: ['asset_id'],
    strategy: 'upsert',
    qualityFlags: false,
  },
  products: {
    name: 'products',
    columns: [
      column('product_id', 'varchar', true),
      column('product_name', 'varchar', true),
      column('unit', 'varchar', true),
    ],
    key: ['product_id'],
    strategy: 'upsert',
    qualityFlags: false,
  },
};

/** True when `name` is a table `load-csv` can write. */
export const isLoadableTable = (name: string): name is LoadableTableName =>
  (LOADABLE_TABLE_NAMES as readonly string[]).includes(name);
