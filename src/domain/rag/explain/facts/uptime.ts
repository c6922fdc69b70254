/**
 * On-stream facts: hours lost against 24 h a day and zero-hour days (shut-ins) per asset, from the uptime
 * hours of the production rows. They explain drops on data without a downtime-events table (Volve).
 */

import type { Period } from '../plan/schema.js';
import { assetName, type FactContext, type FactList, filtersFor, sourceOf } from './context.js';

/** Per-asset on-stream summary over a period. */
export interface AssetUptime {
  asset: string;
  days: number;
  hoursLost: number;
  zeroHourDays: number;
  firstZeroDay: string | null;
  lastZeroDay: string | null;
}

/** Reads the on-stream summary per asset of the plan's scope over `period`. */
export async function uptimeByAsset(context: FactContext, period: Pick<Period, 'from' | 'to'>) {
  const filters = await filtersFor(context, period);
  const { rows, queryId } = (await context.insights.productionAggregate(filters, ['asset', 'date'])).value;
  const byAsset = new Map<string, AssetUptime>();
  for (const row of rows) {
    if (row.uptime_hours === null || !row.asset) continue;
    const entry = byAsset.get(row.asset) ?? {
      asset: row.asset,
      days: 0,
      hoursLost: 0,
      zeroHourDays: 0,
      firstZeroDay: null,
      lastZeroDay: null,
    };
    entry.days += 1;
    entry.hoursLost += Math.max(0, 24 - row.uptime_hours);
    if (row.uptime_hours === 0) {
      entry.zeroHourDays += 1;
      entry.firstZeroDay ??= row.date ?? null;
      entry.lastZeroDay = row.date ?? null;
    }
    byAsset.set(row.asset, entry);
  }
  return { filters, queryId, assets: [...byAsset.values()] };
}

/**
 * Adds on-stream facts: the scope's total hours lost and zero-hour days, then the `limit` assets that lost
 * the most hours. Adds nothing when no hours were lost.
 */
export async function addUptimeFacts(
  context: FactContext,
  facts: FactList,
  period: Pick<Period, 'from' | 'to'>,
  limit = 3,
): Promise<void> {
  const { filters, queryId, assets } = await uptimeByAsset(context, period);
  const hoursLost = assets.reduce((sum, asset) => sum + asset.hoursLost, 0);
  if (hoursLost < 0.05) return;
  const zeroDays = assets.reduce((sum, asset) => sum + asset.zeroHourDays, 0);
  const es = context.plan.language === 'es';
  const source = sourceOf('/insights/daily', filters);
  facts.add(
    {
      kind: 'kpi',
      label: es
        ? 'Horas en línea perdidas (frente a 24 h por día y activo)'
        : 'On-stream hours lost (against 24 h per asset-day)',
      metric: 'on_stream_hours_lost',
      dims: {
        from: filters.from,
        to: filters.to,
        ...(filters.sites?.length === 1 ? { site: filters.sites[0]! } : {}),
      },
      value: Math.round(hoursLost * 10) / 10,
      unit: 'h',
      query_id: queryId,
      related: { zero_hour_days: zeroDays },
      source,
    },
    context.asOf,
  );
  const worst = assets
    .filter((asset) => asset.hoursLost >= 0.05)
    .sort((left, right) => right.hoursLost - left.hoursLost || left.asset.localeCompare(right.asset))
    .slice(0, limit);
  for (const asset of worst) {
    facts.add(
      {
        kind: 'event',
        label: es
          ? `${asset.asset}: horas en línea perdidas; ${asset.zeroHourDays} días sin producción (cierre)`
          : `${asset.asset}: on-stream hours lost; ${asset.zeroHourDays} zero-hour days (shut in)`,
        metric: 'on_stream_hours_lost',
        dims: {
          asset: asset.asset,
          asset_name: assetName(context.catalog, asset.asset),
          from: filters.from,
          to: filters.to,
          ...(asset.firstZeroDay
            ? { shut_in_from: asset.firstZeroDay, shut_in_to: asset.lastZeroDay ?? '' }
            : {}),
        },
        value: Math.round(asset.hoursLost * 10) / 10,
        unit: 'h',
        query_id: queryId,
        related: { zero_hour_days: asset.zeroHourDays, days: asset.days },
        source: { ...source, params: { ...source.params, asset: asset.asset } },
      },
      context.asOf,
    );
  }
}
