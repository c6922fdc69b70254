import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, dateRange } from '../dates.js';
import type { Catalog } from './catalog.js';
import { type DowntimeEvent, overlapsDay } from './events.js';
import { compileDowntimeEvents, compileProductionAggregate, type InsightFilters } from './query.js';
import type { SemanticModel } from './semantic.js';

/** How readily a day is called anomalous: robust z-score thresholds. */
export const SENSITIVITY_THRESHOLDS = { low: 6, medium: 4, high: 3 } as const;
export type Sensitivity = keyof typeof SENSITIVITY_THRESHOLDS;

/** Days of history the rolling baseline uses. */
export const ANOMALY_WINDOW_DAYS = 28;
const MAD_TO_SIGMA = 1.4826;

/** One anomalous day of one series. */
export interface Anomaly {
  date: string;
  scope: 'site' | 'asset';
  member: string;
  label: string;
  product_id: string;
  unit: string;
  actual: number;
  expected: number;
  expected_low: number;
  expected_high: number;
  deviation: number;
  deviation_pct: number | null;
  robust_z: number;
  direction: 'drop' | 'spike';
  top_contributor: { asset_id: string; deviation: number; share_pct: number } | null;
  events: Array<{
    event_id: string;
    asset_id: string;
    cause_code: string;
    cause_category: string;
    description: string | null;
  }>;
  explanation: string;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0
    ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
    : (sorted[middle] ?? 0);
};
const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Rolling median and scaled MAD of the `window` values before each index (null until 7 points exist). */
export function rollingBaseline(values: readonly (number | null)[], window: number) {
  return values.map((_, index) => {
    const history = values
      .slice(Math.max(0, index - window), index)
      .filter((value): value is number => value !== null);
    if (history.length < 7) return null;
    const center = median(history);
    const spread = median(history.map((value) => Math.abs(value - center))) * MAD_TO_SIGMA;
    return { median: center, scale: Math.max(spread, Math.abs(center) * 0.02, 1e-6) };
  });
}

/**
 * Detects anomalous days with a rolling median / MAD robust z-score over the previous 28 days, per site
 * (or per asset when assets are selected). Each anomaly names the asset that moved most in its direction
 * and the downtime events overlapping that day.
 */
export async function detectAnomalies(
  warehouse: Warehouse,
  model: SemanticModel,
  catalog: Catalog,
  filters: InsightFilters,
  sensitivity: Sensitivity,
): Promise<{ anomalies: Anomaly[]; queryIds: string[] }> {
  const threshold = SENSITIVITY_THRESHOLDS[sensitivity];
  const historyFrom = addDays(filters.from, -ANOMALY_WINDOW_DAYS);
  const facts = await warehouse.query<{
    date: string;
    site: string;
    asset: string;
    product: string;
    actual_volume: number | null;
  }>(
    ...(() => {
      const compiled = compileProductionAggregate(
        model,
        ['actual_volume'],
        ['date', 'site', 'asset', 'product'],
        {
          ...filters,
          from: historyFrom,
        },
      );
      return [compiled.sql, compiled.params] as const;
    })(),
  );
  const compiledEvents = compileDowntimeEvents(model, { ...filters, assets: undefined });
  const events = await warehouse.query<DowntimeEvent & Record<string, unknown>>(
    compiledEvents.sql,
    compiledEvents.params,
  );

  const byAsset = filters.assets !== undefined;
  const days = dateRange(historyFrom, filters.to);
  const dayIndex = new Map(days.map((day, index) => [day, index]));
  type Series = {
    scope: 'site' | 'asset';
    member: string;
    product: string;
    site: string;
    totals: (number | null)[];
    assets: Map<string, (number | null)[]>;
  };
  const series = new Map<string, Series>();
  for (const row of facts.rows) {
    if (row.actual_volume === null) continue;
    const member = byAsset ? row.asset : row.site;
    const key = `${member}|${row.product}`;
    let entry = series.get(key);
    if (!entry) {
      entry = {
        scope: byAsset ? 'asset' : 'site',
        member,
        product: row.product,
        site: row.site,
        totals: days.map(() => null),
        assets: new Map(),
      };
      series.set(key, entry);
    }
    const index = dayIndex.get(row.date);
    if (index === undefined) continue;
    entry.totals[index] = (entry.totals[index] ?? 0) + row.actual_volume;
    const assetValues = entry.assets.get(row.asset) ?? days.map(() => null);
    assetValues[index] = (assetValues[index] ?? 0) + row.actual_volume;
    entry.assets.set(row.asset, assetValues);
  }

  const anomalies: Anomaly[] = [];
  const firstIndex = dayIndex.get(filters.from) ?? 0;
  for (const entry of [...series.values()].sort((left, right) =>
    `${left.member}${left.product}`.localeCompare(`${right.member}${right.product}`),
  )) {
    const baselines = rollingBaseline(entry.totals, ANOMALY_WINDOW_DAYS);
    const assetBaselines = new Map(
      [...entry.assets].map(([asset, values]) => [asset, rollingBaseline(values, ANOMALY_WINDOW_DAYS)]),
    );
    for (let index = firstIndex; index < days.length; index += 1) {
      const actual = entry.totals[index];
      const baseline = baselines[index];
      if (actual === null || actual === undefined || !baseline) continue;
      const z = (actual - baseline.median) / baseline.scale;
      if (Math.abs(z) <= threshold) continue;
      const date = days[index] as string;
      const direction = z < 0 ? 'drop' : 'spike';
      let top: Anomaly['top_contributor'] = null;
      for (const [asset, values] of entry.assets) {
        const assetBaseline = assetBaselines.get(asset)?.[index];
        const value = values[index];
        if (!assetBaseline || value === null || value === undefined) continue;
        const deviation = value - assetBaseline.median;
        if ((direction === 'drop' ? -deviation : deviation) > (top ? Math.abs(top.deviation) : 0)) {
          top = { asset_id: asset, deviation: round(deviation), share_pct: 0 };
        }
      }
      const totalDeviation = actual - baseline.median;
      if (top) top.share_pct = round((top.deviation / totalDeviation) * 100, 1);
      const overlapping = events.rows
        .filter((event) => event.site_id === entry.site && overlapsDay(event, date))
        .filter((event) => !byAsset || event.asset_id === entry.member || event.product_id === null);
      const uniqueEvents = new Map<string, Anomaly['events'][number]>();
      for (const event of overlapping) {
        const key = `${event.asset_id}|${event.cause_code}`;
        if (
          !uniqueEvents.has(key) &&
          (event.product_id === null || event.product_id === entry.product || !byAsset)
        ) {
          uniqueEvents.set(key, {
            event_id: event.event_id,
            asset_id: event.asset_id,
            cause_code: event.cause_code,
            cause_category: event.cause_category,
            description: event.description,
          });
        }
      }
      const eventList = [...uniqueEvents.values()].slice(0, 10);
      const label =
        entry.scope === 'site'
          ? (catalog.sites.find((site) => site.id === entry.member)?.name ?? entry.member)
          : (catalog.assets.find((asset) => asset.id === entry.member)?.name ?? entry.member);
      const unit = catalog.products.find((product) => product.id === entry.product)?.unit ?? '';
      const causes = [...new Set(eventList.map((event) => event.cause_code))];
      anomalies.push({
        date,
        scope: entry.scope,
        member: entry.member,
        label,
        product_id: entry.product,
        unit,
        actual: round(actual),
        expected: round(baseline.median),
        expected_low: round(baseline.median - threshold * baseline.scale),
        expected_high: round(baseline.median + threshold * baseline.scale),
        deviation: round(totalDeviation),
        deviation_pct: baseline.median ? round((totalDeviation / baseline.median) * 100, 2) : null,
        robust_z: round(z, 2),
        direction,
        top_contributor: top,
        events: eventList,
        explanation: [
          `${entry.product} at ${label} was ${round(Math.abs(totalDeviation), 1)} ${unit} ${direction === 'drop' ? 'below' : 'above'} its 28-day median`,
          top ? `; ${top.asset_id} moved most (${round(top.deviation, 1)} ${unit})` : '',
          causes.length > 0
            ? `; overlapping events: ${causes.join(', ')}`
            : '; no downtime event recorded that day',
          '.',
        ].join(''),
      });
    }
  }
  anomalies.sort(
    (left, right) =>
      left.date.localeCompare(right.date) ||
      left.member.localeCompare(right.member) ||
      left.product_id.localeCompare(right.product_id),
  );
  return { anomalies, queryIds: [facts.queryId, events.queryId] };
}
