import type { SqlParam } from '../../ports/warehouse.js';
import type { SemanticModel } from './semantic.js';

/** Row filters shared by every insight query. Member ids travel as binds; column names come from the model. */
export interface InsightFilters {
  from: string;
  to: string;
  sites?: readonly string[];
  assets?: readonly string[];
  products?: readonly string[];
  /** The key's site allow-list; `null` means every site. Always applied in SQL. */
  allowedSites: readonly string[] | null;
}

/** A compiled statement. */
export interface CompiledQuery {
  sql: string;
  params: SqlParam[];
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/**
 * Returns a function adding `column IN (?, …)` for a member list to `conditions` and `params`; absent
 * lists add nothing, empty lists match nothing.
 */
function memberCondition(conditions: string[], params: SqlParam[]) {
  return (column: string, values: readonly string[] | undefined | null): void => {
    if (values === undefined || values === null) return;
    if (values.length === 0) {
      conditions.push('1 = 0');
      return;
    }
    conditions.push(`${column} IN (${placeholders(values.length)})`);
    params.push(...values);
  };
}

/**
 * WHERE clause over a fact source aliased `alias` joined to assets `a`: date range, members and the
 * site allow-list. Empty lists match nothing rather than everything.
 */
export function whereClause(filters: InsightFilters, alias: string): CompiledQuery {
  const conditions = [`${alias}.date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)`];
  const params: SqlParam[] = [filters.from, filters.to];
  const inList = memberCondition(conditions, params);
  inList('a.site_id', filters.sites);
  inList(`${alias}.asset_id`, filters.assets);
  inList(`${alias}.product_id`, filters.products);
  inList('a.site_id', filters.allowedSites);
  return { sql: conditions.join(' AND '), params };
}

/** Grouping dimensions the compiler accepts for fact queries. */
export type GroupDimension = 'date' | 'site' | 'asset' | 'product';

const DIMENSION_COLUMNS: Record<GroupDimension, (alias: string) => string> = {
  date: (alias) => `${alias}.date`,
  site: () => 'a.site_id',
  asset: (alias) => `${alias}.asset_id`,
  product: (alias) => `${alias}.product_id`,
};

/**
 * Compiles an aggregate over production facts: `metrics` are names of production metrics with `sql`
 * in the model, grouped by `groupBy`. Output columns are the dimension and metric names.
 */
export function compileProductionAggregate(
  model: SemanticModel,
  metrics: readonly string[],
  groupBy: readonly GroupDimension[],
  filters: InsightFilters,
): CompiledQuery {
  const { production, assets } = model.sources;
  const selects = groupBy.map(
    (dimension) => `${DIMENSION_COLUMNS[dimension](production.alias)} AS ${dimension}`,
  );
  for (const name of metrics) {
    const metric = model.metrics[name];
    if (!metric?.sql || metric.source !== 'production')
      throw new Error(`metric ${name} is not a production aggregate`);
    selects.push(`${metric.sql} AS ${name}`);
  }
  const where = whereClause(filters, production.alias);
  const groups = groupBy.map((dimension) => DIMENSION_COLUMNS[dimension](production.alias));
  const sql = [
    `SELECT ${selects.join(', ')}`,
    `FROM ${production.table} ${production.alias}`,
    `JOIN ${assets.table} ${assets.alias} ON ${assets.join}`,
    `WHERE ${where.sql}`,
    groups.length > 0 ? `GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { sql, params: where.params };
}

/** Compiles the P50 (and P10/P90) forecast aggregate of one model version, grouped like production. */
export function compileForecastAggregate(
  model: SemanticModel,
  groupBy: readonly GroupDimension[],
  filters: InsightFilters,
  modelVersion: string,
): CompiledQuery {
  const { forecast, assets } = model.sources;
  const alias = forecast.alias;
  const selects = groupBy.map((dimension) => `${DIMENSION_COLUMNS[dimension](alias)} AS ${dimension}`);
  selects.push(`SUM(${alias}.p10) AS p10`, `SUM(${alias}.p50) AS p50`, `SUM(${alias}.p90) AS p90`);
  const where = whereClause(filters, alias);
  const groups = groupBy.map((dimension) => DIMENSION_COLUMNS[dimension](alias));
  const sql = [
    `SELECT ${selects.join(', ')}`,
    `FROM ${forecast.table} ${alias}`,
    `JOIN ${assets.table} ${assets.alias} ON a.asset_id = ${alias}.asset_id`,
    `WHERE ${where.sql} AND ${alias}.model_version = ?`,
    groups.length > 0 ? `GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { sql, params: [...where.params, modelVersion] };
}

/**
 * Downtime events overlapping the range at the filtered sites/assets. Events may sit on facility assets
 * (compressors) that produce nothing themselves, so product and asset filters apply to the event's own
 * asset only when given.
 */
export function compileDowntimeEvents(model: SemanticModel, filters: InsightFilters): CompiledQuery {
  const alias = model.sources.downtime.alias;
  const source = downtimeEventsSource(model, filters);
  return {
    sql: `SELECT ${DOWNTIME_EVENT_COLUMNS.map((column) => downtimeEventColumn(alias, column)).join(', ')} ${source.sql} ORDER BY ${alias}.start_ts, ${alias}.event_id`,
    params: source.params,
  };
}

/** Columns of a downtime event row, in {@link DowntimeEvent} order. */
export const DOWNTIME_EVENT_COLUMNS = [
  'event_id',
  'asset_id',
  'site_id',
  'product_id',
  'start_ts',
  'end_ts',
  'cause_code',
  'cause_category',
  'lost_volume',
  'description',
] as const;

/** The qualified expression of a downtime event column (`site_id` comes from the joined assets). */
export const downtimeEventColumn = (
  alias: string,
  column: (typeof DOWNTIME_EVENT_COLUMNS)[number],
): string => (column === 'site_id' ? 'a.site_id' : `${alias}.${column}`);

/**
 * `FROM … JOIN … WHERE …` of the downtime events overlapping [from, to] within the filters' sites and
 * assets and the site allow-list, for callers that choose their own columns.
 */
export function downtimeEventsSource(model: SemanticModel, filters: InsightFilters): CompiledQuery {
  const { downtime, assets } = model.sources;
  const alias = downtime.alias;
  const conditions = [`${alias}.start_ts < CAST(? AS TIMESTAMP)`, `${alias}.end_ts > CAST(? AS TIMESTAMP)`];
  const params: SqlParam[] = [`${filters.to} 23:59:59.999`, `${filters.from} 00:00:00`];
  const inList = memberCondition(conditions, params);
  inList('a.site_id', filters.sites);
  inList(`${alias}.asset_id`, filters.assets);
  inList('a.site_id', filters.allowedSites);
  return {
    sql: `FROM ${downtime.table} ${alias} JOIN ${assets.table} ${assets.alias} ON a.asset_id = ${alias}.asset_id WHERE ${conditions.join(' AND ')}`,
    params,
  };
}
