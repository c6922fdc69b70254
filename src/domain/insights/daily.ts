import type { SqlParam, Warehouse } from '../../ports/warehouse.js';
import { type DowntimeEvent, lostOnDay, overlapsDay } from './events.js';
import { compileDowntimeEvents, type InsightFilters, whereClause } from './query.js';
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

const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

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
 * against plan, uptime and the downtime events overlapping each row. The events of the whole remaining
 * range are read in parallel with the facts (one round trip instead of two in a row); each row keeps
 * only those overlapping its own day.
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
  const { production, assets, forecast } = model.sources;
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
  const sql = [
    'SELECT p.date, a.site_id, p.asset_id, p.product_id, p.actual_volume, p.planned_volume, p.uptime_hours, p.quality_flags,',
    `${forecast.alias}.p50 AS forecast_volume`,
    `FROM ${production.table} ${production.alias}`,
    `JOIN ${assets.table} ${assets.alias} ON ${assets.join}`,
    `LEFT JOIN ${forecast.table} ${forecast.alias} ON ${forecast.alias}.date = p.date AND ${forecast.alias}.asset_id = p.asset_id AND ${forecast.alias}.product_id = p.product_id AND ${forecast.alias}.model_version = ?`,
    `WHERE ${where.sql}${keyset}`,
    'ORDER BY p.date, p.asset_id, p.product_id',
    'LIMIT ?',
  ].join(' ');
  const eventsFrom = options.after ? options.after[0] : filters.from;
  const compiled = compileDowntimeEvents(model, { ...filters, from: eventsFrom });
  const [facts, eventRows] = await Promise.all([
    warehouse.query<FactRow>(sql, params),
    warehouse.query<DowntimeEvent & Record<string, unknown>>(compiled.sql, compiled.params),
  ]);
  const hasMore = facts.rows.length > options.limit;
  const pageRows = hasMore ? facts.rows.slice(0, options.limit) : facts.rows;
  const events: DowntimeEvent[] = eventRows.rows;

  const eventsByAsset = new Map<string, DowntimeEvent[]>();
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
    queryId: facts.queryId,
    quality,
  };
}
