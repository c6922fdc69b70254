import type { Warehouse } from '../../ports/warehouse.js';
import { daysBetween } from '../dates.js';
import { type SemanticModel, warehouseTable } from './semantic.js';

/** Warehouse tables whose freshness is reported, in catalog order. */
export const FRESHNESS_TABLES = [
  'production_daily',
  'forecast_daily',
  'downtime_events',
  'sites',
  'assets',
  'products',
] as const;

/** The table whose age decides readiness: the daily facts every insight reads. */
export const FRESHNESS_GATED_TABLE = 'production_daily';

/** When a table was last loaded and the last day its data covers (as read from the warehouse). */
export interface TableLoadState {
  table: (typeof FRESHNESS_TABLES)[number];
  /** Last `load_metadata.loaded_at` of the table (ISO, UTC, no zone), or null when never loaded. */
  lastLoadAt: string | null;
  /** Last date of the table's data (facts and events only; null for dimensions or an empty table). */
  lastDataDate: string | null;
}

/** A table's freshness on a given day. */
export interface TableFreshness {
  table: string;
  last_load_at: string | null;
  last_data_date: string | null;
  /** Whole days from the last data date to today (UTC); null without data. */
  age_days: number | null;
  /** True when the table gates readiness and its data is older than the threshold. */
  stale: boolean;
}

/** Reads every table's last load and last data date (three small aggregate queries). */
export async function readLoadStates(warehouse: Warehouse, model: SemanticModel): Promise<TableLoadState[]> {
  const table = (name: string) => warehouseTable(model, name);
  const [loads, facts] = await Promise.all([
    warehouse.query<{ table_name: string; last_load_at: string | null }>(
      `SELECT table_name, MAX(loaded_at) AS last_load_at FROM ${table('load_metadata')} GROUP BY table_name`,
    ),
    warehouse.query<{ production: string | null; forecast: string | null; downtime: string | null }>(
      `SELECT (SELECT MAX(date) FROM ${table('production_daily')}) AS production,
              (SELECT MAX(date) FROM ${table('forecast_daily')}) AS forecast,
              (SELECT CAST(MAX(end_ts) AS DATE) FROM ${table('downtime_events')}) AS downtime`,
    ),
  ]);
  const lastLoad = new Map(loads.rows.map((row) => [row.table_name.toLowerCase(), row.last_load_at]));
  const dates = facts.rows[0];
  const lastData: Partial<Record<TableLoadState['table'], string | null>> = {
    production_daily: dates?.production ?? null,
    forecast_daily: dates?.forecast ?? null,
    downtime_events: dates?.downtime ?? null,
  };
  return FRESHNESS_TABLES.map((table) => ({
    table,
    lastLoadAt: lastLoad.get(table) ?? null,
    lastDataDate: lastData[table] ?? null,
  }));
}

/**
 * Freshness of each table on `today`: age in days of its last data date, and `stale` for the gating table
 * when that age exceeds `maxAgeDays`. A table without data is reported, never stale: an empty warehouse
 * is not yet loaded, not late.
 */
export function assessFreshness(
  states: readonly TableLoadState[],
  today: string,
  maxAgeDays: number,
): TableFreshness[] {
  return states.map((state) => {
    const age = state.lastDataDate ? Math.max(0, daysBetween(state.lastDataDate, today) - 1) : null;
    return {
      table: state.table,
      last_load_at: state.lastLoadAt,
      last_data_date: state.lastDataDate,
      age_days: age,
      stale: state.table === FRESHNESS_GATED_TABLE && age !== null && age > maxAgeDays,
    };
  });
}

/** Seconds from the end of a table's last data date (midnight UTC after it) to `nowMs`; null without data. */
export function dataAgeSeconds(lastDataDate: string | null, nowMs: number): number | null {
  if (!lastDataDate) return null;
  const endOfDay = Date.parse(`${lastDataDate}T00:00:00Z`) + 86_400_000;
  return Math.max(0, Math.round((nowMs - endOfDay) / 1000));
}
