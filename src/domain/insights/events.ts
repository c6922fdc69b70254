import type { SqlParam, Warehouse } from '../../ports/warehouse.js';
import { overlapHoursOnDay } from '../dates.js';
import {
  DOWNTIME_EVENT_COLUMNS,
  downtimeEventColumn,
  downtimeEventsSource,
  type InsightFilters,
} from './query.js';
import type { SemanticModel } from './semantic.js';

/** A downtime event as read from the warehouse. */
export interface DowntimeEvent {
  event_id: string;
  asset_id: string;
  site_id: string;
  product_id: string | null;
  start_ts: string;
  end_ts: string;
  cause_code: string;
  cause_category: string;
  lost_volume: number | null;
  description: string | null;
}

/** The part of a downtime event that places it in time and sizes its loss. */
export type TimedEvent = Pick<DowntimeEvent, 'start_ts' | 'end_ts' | 'lost_volume'>;

/** Duration of an event in hours (at least a minute, so proration never divides by zero). */
export const eventHours = (event: TimedEvent): number =>
  Math.max(1 / 60, (Date.parse(`${event.end_ts}Z`) - Date.parse(`${event.start_ts}Z`)) / 3_600_000);

/** The part of an event's lost volume that falls on `day`, prorated by overlapping hours. */
export function lostOnDay(event: TimedEvent, day: string): number {
  if (event.lost_volume === null) return 0;
  return (event.lost_volume * overlapHoursOnDay(event.start_ts, event.end_ts, day)) / eventHours(event);
}

/** The part of an event's lost volume that falls within [from, to] (whole days). */
export function lostInRange(event: DowntimeEvent, from: string, to: string): number {
  if (event.lost_volume === null) return 0;
  const rangeStart = Date.parse(`${from}T00:00:00Z`);
  const rangeEnd = Date.parse(`${to}T00:00:00Z`) + 86_400_000;
  const start = Math.max(Date.parse(`${event.start_ts}Z`), rangeStart);
  const end = Math.min(Date.parse(`${event.end_ts}Z`), rangeEnd);
  return (event.lost_volume * Math.max(0, (end - start) / 3_600_000)) / eventHours(event);
}

/** True when the event overlaps the calendar day. */
export const overlapsDay = (event: TimedEvent, day: string): boolean =>
  overlapHoursOnDay(event.start_ts, event.end_ts, day) > 0;

/** One row of `/insights/events`: a downtime event with its equipment and the part of its loss in range. */
export interface DowntimeEventRow extends DowntimeEvent {
  asset_name: string;
  asset_type: string;
  unit: string | null;
  duration_hours: number;
  lost_volume_in_range: number | null;
}

/** Keyset position of the last event of a page: start time and event id. */
export type EventCursor = [startTs: string, eventId: string];

/** A page of downtime events. */
export interface EventPage {
  rows: DowntimeEventRow[];
  next: EventCursor | null;
  queryId: string;
}

/** Options of {@link readEventPage}. */
export interface EventPageOptions {
  limit: number;
  after: EventCursor | null;
  causeCategory?: 'planned' | 'unplanned';
  /** Unit of each product, for the `unit` column. */
  units: ReadonlyMap<string, string>;
}

/**
 * Reads one page of the downtime events overlapping [from, to] within the filters' sites, assets and
 * the key's allow-list, ordered by start time then event id. A product filter keeps the events of that
 * product and the facility-level events that carry no product.
 */
export async function readEventPage(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
  options: EventPageOptions,
): Promise<EventPage> {
  const alias = model.sources.downtime.alias;
  const source = downtimeEventsSource(model, filters);
  const conditions: string[] = [];
  const params: SqlParam[] = [...source.params];
  if (filters.products) {
    conditions.push(
      filters.products.length === 0
        ? `${alias}.product_id IS NULL`
        : `(${alias}.product_id IS NULL OR ${alias}.product_id IN (${filters.products.map(() => '?').join(', ')}))`,
    );
    params.push(...filters.products);
  }
  if (options.causeCategory) {
    conditions.push(`${alias}.cause_category = ?`);
    params.push(options.causeCategory);
  }
  if (options.after) {
    conditions.push(
      `(${alias}.start_ts > CAST(? AS TIMESTAMP) OR (${alias}.start_ts = CAST(? AS TIMESTAMP) AND ${alias}.event_id > ?))`,
    );
    params.push(options.after[0], options.after[0], options.after[1]);
  }
  params.push(options.limit + 1);
  const columns = [
    ...DOWNTIME_EVENT_COLUMNS.map((column) => downtimeEventColumn(alias, column)),
    'a.asset_name',
    'a.asset_type',
  ];
  const sql = [
    `SELECT ${columns.join(', ')}`,
    source.sql,
    ...conditions.map((condition) => `AND ${condition}`),
    `ORDER BY ${alias}.start_ts, ${alias}.event_id`,
    'LIMIT ?',
  ].join(' ');
  const result = await warehouse.query<
    DowntimeEvent & { asset_name: string; asset_type: string } & Record<string, unknown>
  >(sql, params);
  const hasMore = result.rows.length > options.limit;
  const rows = (hasMore ? result.rows.slice(0, options.limit) : result.rows).map(
    (event): DowntimeEventRow => ({
      ...event,
      unit: event.product_id === null ? null : (options.units.get(event.product_id) ?? null),
      duration_hours: Math.round(eventHours(event) * 100) / 100,
      lost_volume_in_range:
        event.lost_volume === null
          ? null
          : Math.round(lostInRange(event, filters.from, filters.to) * 1000) / 1000,
    }),
  );
  const last = rows.at(-1);
  return {
    rows,
    next: hasMore && last ? [last.start_ts, last.event_id] : null,
    queryId: result.queryId,
  };
}
