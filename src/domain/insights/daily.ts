import type { SqlParam, Warehouse } from '../../ports/warehouse.js';
import { type DowntimeEvent, lostOnDay, overlapsDay } from './events.js';
import {
  type DOWNTIME_EVENT_COLUMNS,
  downtimeEventColumn,
  downtimeEventsSource,
  type InsightFilters,
  whereClause,
} from './query.js';
import type { SemanticModel } from './semantic.js';

/** One flat row of `/insights/daily`. */
export interface DailyRow {
  date: string;
  site_id: string;
  asset_id: string;
  product_id: string;
  unit: string;
  actual_volume: number | null;
  planned_volume: number | null;
  forecast_volume: number | null;
  variance_abs: number | null;
  variance_pct: number | null;
  uptime_hours: number | null;
  uptime_pct: number | null;
  downtime_events: number;
  lost_volume: number;
  cause_codes: string;
  quality_flags: string;
}

/** Keyset position of the last row of a page. */
export type DailyCursor = [date: string, assetId: string, productId: string];

/** A page of daily rows. */
export interface DailyPage {
  rows: DailyRow[];
  next: DailyCursor | null;
  queryId: string;
  quality: Record<string, number>;
}

/**
 * Orders strings by Unicode code point, as DuckDB's and Snowflake's default binary collation do (JavaScript's
 * `<` compares UTF-16 code units, which differs for characters beyond the Basic Multilingual Plane).
 */
export function compareBinary(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.codePointAt(index) as number;
    const b = right.codePointAt(index) as number;
    if (a !== b) return a < b ? -1 : 1;
    if (a > 0xffff) index += 1;
  }
  return left.length - right.length;
}

const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

const FACT_COLUMNS = [
  'date',
  'site_id',
  'asset_id',
  'product_id',
  'actual_volume',
  'planned_volume',
  'uptime_hours',
  'quality_flags',
  'forecast_volume',
] as const;

/** The event columns a daily row needs (the rest of an event stays in the warehouse). */
const DAILY_EVENT_COLUMNS = [
  'event_id',
  'site_id',
  'asset_id',
  'product_id',
  'start_ts',
  'end_ts',
  'cause_code',
  'lost_volume',
] as const satisfies ReadonlyArray<(typeof DOWNTIME_EVENT_COLUMNS)[number]>;

/** An event as the daily statement reads it. */
type DailyEvent = Pick<DowntimeEvent, (typeof DAILY_EVENT_COLUMNS)[number]>;

/** Every column of the daily statement: a row kind, the fact columns, then the event-only columns. */
const DAILY_COLUMNS = [
  ...FACT_COLUMNS,
  ...DAILY_EVENT_COLUMNS.filter((column) => !(FACT_COLUMNS as readonly string[]).includes(column)),
];

type DailyColumn = (typeof DAILY_COLUMNS)[number];

/** SQL type of every column of the daily statement (the side that lacks a column sends a typed NULL). */
const COLUMN_TYPES: Record<DailyColumn, string> = {
  date: 'DATE',
  site_id: 'VARCHAR',
  asset_id: 'VARCHAR',
  product_id: 'VARCHAR',
  actual_volume: 'DOUBLE',
  planned_volume: 'DOUBLE',
  uptime_hours: 'DOUBLE',
  quality_flags: 'VARCHAR',
  forecast_volume: 'DOUBLE',
  event_id: 'VARCHAR',
  start_ts: 'TIMESTAMP',
  end_ts: 'TIMESTAMP',
  cause_code: 'VARCHAR',
  lost_volume: 'DOUBLE',
};

const FACT_ROW = 0;
const EVENT_ROW = 1;

/** A row of the daily statement: a fact or an event, told apart by `row_kind`. */
type DailyStatementRow =
  | (FactRow & { row_kind: typeof FACT_ROW })
  | (DailyEvent & Record<string, unknown> & { row_kind: typeof EVENT_ROW });

interface FactRow extends Record<string, unknown> {
  date: string;
  site_id: string;
  asset_id: string;
  product_id: string;
  actual_volume: number | null;
  planned_volume: number | null;
  uptime_hours: number | null;
  quality_flags: string | null;
  forecast_volume: number | null;
}

/**
 * Reads one page of per date × asset × product rows, ordered by that key, with forecast P50, variance
 * against plan, uptime and the downtime events overlapping each row. One statement reads both: the
 * page of facts (`row_kind` 0) and, after them, the events of the whole remaining range (`row_kind` 1),
 * each side padding the other's columns with typed NULLs; each row keeps only the events overlapping
 * its own day. One statement instead of two saves the warehouse a second plan and execution. The
 * statement leaves the union unordered (a sort over it cost the warehouse more than the rest of the
 * page); both sides are put in key order here, in the warehouse's binary string order.
 */
export async function readDailyPage(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
  options: {
    limit: number;
    after: DailyCursor | null;
    forecastVersion: string | null;
    units: Map<string, string>;
  },
): Promise<DailyPage> {
  const { production, assets, forecast, downtime } = model.sources;
  const where = whereClause(filters, production.alias);
  const params: SqlParam[] = [options.forecastVersion ?? '', ...where.params];
  let keyset = '';
  if (options.after) {
    const [date, asset, product] = options.after;
    keyset =
      ' AND (p.date > CAST(? AS DATE) OR (p.date = CAST(? AS DATE) AND p.asset_id > ?) OR (p.date = CAST(? AS DATE) AND p.asset_id = ? AND p.product_id > ?))';
    params.push(date, date, asset, date, asset, product);
  }
  params.push(options.limit + 1);
  const eventsFrom = options.after ? options.after[0] : filters.from;
  const eventSource = downtimeEventsSource(model, { ...filters, from: eventsFrom });
  params.push(...eventSource.params);

  const factSide: Record<(typeof FACT_COLUMNS)[number], string> = {
    date: 'p.date',
    site_id: 'a.site_id',
    asset_id: 'p.asset_id',
    product_id: 'p.product_id',
    actual_volume: 'p.actual_volume',
    planned_volume: 'p.planned_volume',
    uptime_hours: 'p.uptime_hours',
    quality_flags: 'p.quality_flags',
    forecast_volume: `${forecast.alias}.p50`,
  };
  const eventSide = Object.fromEntries(
    DAILY_EVENT_COLUMNS.map((column) => [column, downtimeEventColumn(downtime.alias, column)]),
  );
  const select = (kind: number, side: Partial<Record<DailyColumn, string>>) =>
    [
      `${kind} AS row_kind`,
      ...DAILY_COLUMNS.map(
        (column) => `${side[column] ?? `CAST(NULL AS ${COLUMN_TYPES[column]})`} AS ${column}`,
      ),
    ].join(', ');
  const sql = [
    `SELECT * FROM (SELECT ${select(FACT_ROW, factSide)}`,
    `FROM ${production.table} ${production.alias}`,
    `JOIN ${assets.table} ${assets.alias} ON ${assets.join}`,
    `LEFT JOIN ${forecast.table} ${forecast.alias} ON ${forecast.alias}.date = p.date AND ${forecast.alias}.asset_id = p.asset_id AND ${forecast.alias}.product_id = p.product_id AND ${forecast.alias}.model_version = ?`,
    `WHERE ${where.sql}${keyset}`,
    'ORDER BY p.date, p.asset_id, p.product_id',
    'LIMIT ?) facts',
    `UNION ALL SELECT ${select(EVENT_ROW, eventSide)}`,
    eventSource.sql,
  ].join(' ');
  const result = await warehouse.query<DailyStatementRow>(sql, params);
  const facts: FactRow[] = [];
  const events: DailyEvent[] = [];
  for (const row of result.rows) {
    if (row.row_kind === FACT_ROW) facts.push(row);
    else events.push(row);
  }
  facts.sort(
    (left, right) =>
      compareBinary(left.date, right.date) ||
      compareBinary(left.asset_id, right.asset_id) ||
      compareBinary(left.product_id, right.product_id),
  );
  events.sort(
    (left, right) =>
      compareBinary(left.asset_id, right.asset_id) ||
      compareBinary(left.product_id ?? '', right.product_id ?? '') ||
      compareBinary(left.start_ts, right.start_ts) ||
      compareBinary(left.event_id, right.event_id),
  );
  const hasMore = facts.length > options.limit;
  const pageRows = hasMore ? facts.slice(0, options.limit) : facts;

  const eventsByAsset = new Map<string, DailyEvent[]>();
  for (const event of events) {
    const list = eventsByAsset.get(event.asset_id) ?? [];
    list.push(event);
    eventsByAsset.set(event.asset_id, list);
  }

  const quality: Record<string, number> = {};
  const rows = pageRows.map((fact): DailyRow => {
    const overlapping = (eventsByAsset.get(fact.asset_id) ?? []).filter(
      (event) =>
        (event.product_id === null || event.product_id === fact.product_id) && overlapsDay(event, fact.date),
    );
    const productEvents = overlapping.filter((event) => event.product_id === fact.product_id);
    const variance =
      fact.actual_volume !== null && fact.planned_volume !== null
        ? fact.actual_volume - fact.planned_volume
        : null;
    const flags = fact.quality_flags ?? '';
    for (const flag of flags.split(',').filter(Boolean)) quality[flag] = (quality[flag] ?? 0) + 1;
    return {
      date: fact.date,
      site_id: fact.site_id,
      asset_id: fact.asset_id,
      product_id: fact.product_id,
      unit: options.units.get(fact.product_id) ?? '',
      actual_volume: fact.actual_volume,
      planned_volume: fact.planned_volume,
      forecast_volume: fact.forecast_volume,
      variance_abs: variance === null ? null : round(variance),
      variance_pct:
        variance === null || !fact.planned_volume ? null : round((variance / fact.planned_volume) * 100, 2),
      uptime_hours: fact.uptime_hours,
      uptime_pct: fact.uptime_hours === null ? null : round((fact.uptime_hours / 24) * 100, 2),
      downtime_events: new Set(overlapping.map((event) => event.event_id)).size,
      lost_volume: round(productEvents.reduce((sum, event) => sum + lostOnDay(event, fact.date), 0)),
      cause_codes: [...new Set(overlapping.map((event) => event.cause_code))].sort().join(';'),
      quality_flags: flags,
    };
  });
  const lastRow = rows[rows.length - 1];
  return {
    rows,
    next: hasMore && lastRow ? [lastRow.date, lastRow.asset_id, lastRow.product_id] : null,
    queryId: result.queryId,
    quality,
  };
}
