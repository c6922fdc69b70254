import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, daysBetween, endOfMonth, startOfMonth } from '../dates.js';
import { detectAnomalies } from './anomalies.js';
import type { Catalog } from './catalog.js';
import { compileProductionAggregate, type InsightFilters } from './query.js';
import type { SemanticModel } from './semantic.js';

/** Kinds of digest insight, in the spirit of Tableau Pulse. */
export type DigestInsightType =
  | 'pace_to_plan'
  | 'period_over_period'
  | 'unusual_change'
  | 'top_detractor'
  | 'new_trend';

/** One ranked insight with its plain-language statement and the numbers behind it. */
export interface DigestInsight {
  rank: number;
  type: DigestInsightType;
  score: number;
  statement: string;
  dims: { site_id?: string; asset_id?: string; product_id: string };
  numbers: Record<string, number | string | null>;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (value: number): string => round(value, 0).toLocaleString('en-US');
const signedPct = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(round(value, 1))} %`;

type Row = Record<string, unknown> & { actual_volume: number | null; planned_volume: number | null };

/**
 * Builds the day's ranked insights for one product: pace to plan with projected month end, day over
 * day change, unusual days, top detractors against plan, and wells whose trend against plan turned.
 * Scores are the volume at stake as a share of the scope's daily plan, so kinds rank on one scale.
 */
export async function buildDigest(
  warehouse: Warehouse,
  model: SemanticModel,
  catalog: Catalog,
  filters: Omit<InsightFilters, 'from' | 'to'> & { product: string },
  date: string,
): Promise<{ insights: DigestInsight[]; queryIds: string[] }> {
  const product = filters.product;
  const unit = catalog.products.find((candidate) => candidate.id === product)?.unit ?? '';
  const base: InsightFilters = { ...filters, products: [product], from: addDays(date, -89), to: date };
  const queryIds: string[] = [];
  const run = async (groupBy: Array<'date' | 'site' | 'asset'>, range: { from: string; to: string }) => {
    const compiled = compileProductionAggregate(model, ['actual_volume', 'planned_volume'], groupBy, {
      ...base,
      ...range,
    });
    const result = await warehouse.query<Row>(compiled.sql, compiled.params);
    queryIds.push(result.queryId);
    return result.rows;
  };
  const siteName = (id: string) => catalog.sites.find((site) => site.id === id)?.name ?? id;
  const insights: Omit<DigestInsight, 'rank'>[] = [];

  const siteDays = await run(['date', 'site'], { from: addDays(date, -89), to: date });
  const bySite = new Map<string, Row[]>();
  for (const row of siteDays) {
    const list = bySite.get(String(row.site)) ?? [];
    list.push(row);
    bySite.set(String(row.site), list);
  }

  const monthStart = startOfMonth(date);
  const monthEnd = endOfMonth(date);
  for (const [site, rows] of bySite) {
    const today = rows.find((row) => row.date === date);
    const dailyPlan = today?.planned_volume ?? null;
    const scale = Math.max(Math.abs(dailyPlan ?? today?.actual_volume ?? 1), 1);
    const monthRows = rows.filter((row) => String(row.date) >= monthStart && String(row.date) <= date);
    const mtdActual = monthRows.reduce((sum, row) => sum + (row.actual_volume ?? 0), 0);
    const mtdPlan = monthRows.reduce((sum, row) => sum + (row.planned_volume ?? 0), 0);
    const last7 = rows.filter((row) => String(row.date) > addDays(date, -7) && String(row.date) <= date);
    const pace = last7.reduce((sum, row) => sum + (row.actual_volume ?? 0), 0) / Math.max(1, last7.length);
    const remainingDays = daysBetween(date, monthEnd) - 1;
    if (mtdPlan > 0) {
      const projected = mtdActual + pace * remainingDays;
      const planPace =
        last7.reduce((sum, row) => sum + (row.planned_volume ?? 0), 0) / Math.max(1, last7.length);
      const monthPlan = mtdPlan + planPace * remainingDays;
      const mtdPct = ((mtdActual - mtdPlan) / mtdPlan) * 100;
      const projectedPct = monthPlan ? ((projected - monthPlan) / monthPlan) * 100 : 0;
      insights.push({
        type: 'pace_to_plan',
        score: round(Math.abs(mtdActual - mtdPlan) / scale, 3),
        statement: `${siteName(site)} is ${signedPct(mtdPct)} against plan month to date (${fmt(mtdActual)} vs ${fmt(mtdPlan)} ${unit}); at the last 7 days' pace it ends ${monthEnd.slice(0, 7)} at ${fmt(projected)} ${unit}, ${signedPct(projectedPct)} against the month's plan of ${fmt(monthPlan)} ${unit} (plan after ${date} extended at its last 7-day rate).`,
        dims: { site_id: site, product_id: product },
        numbers: {
          mtd_actual: round(mtdActual, 3),
          mtd_plan: round(mtdPlan, 3),
          mtd_variance_pct: round(mtdPct, 2),
          projected_month_end: round(projected, 3),
          month_plan: round(monthPlan ?? 0, 3),
          projected_variance_pct: round(projectedPct, 2),
          pace_per_day: round(pace, 3),
        },
      });
    }
    const yesterday = rows.find((row) => row.date === addDays(date, -1));
    if (today?.actual_volume != null && yesterday?.actual_volume) {
      const change = today.actual_volume - yesterday.actual_volume;
      const changePct = (change / yesterday.actual_volume) * 100;
      insights.push({
        type: 'period_over_period',
        score: round(Math.abs(change) / scale, 3),
        statement: `${siteName(site)} produced ${fmt(today.actual_volume)} ${unit} on ${date}, ${signedPct(changePct)} against the day before (${fmt(yesterday.actual_volume)} ${unit}).`,
        dims: { site_id: site, product_id: product },
        numbers: {
          actual: round(today.actual_volume, 3),
          previous_day: round(yesterday.actual_volume, 3),
          change: round(change, 3),
          change_pct: round(changePct, 2),
          planned: dailyPlan === null ? null : round(dailyPlan, 3),
          variance_vs_plan_pct: dailyPlan
            ? round(((today.actual_volume - dailyPlan) / dailyPlan) * 100, 2)
            : null,
        },
      });
    }
  }

  const { anomalies, queryIds: anomalyQueries } = await detectAnomalies(
    warehouse,
    model,
    catalog,
    { ...base, from: date, to: date },
    'medium',
  );
  queryIds.push(...anomalyQueries);
  for (const anomaly of anomalies) {
    insights.push({
      type: 'unusual_change',
      score: round(Math.abs(anomaly.deviation) / Math.max(Math.abs(anomaly.expected), 1), 3),
      statement: `Unusual ${anomaly.direction} at ${anomaly.label}: ${fmt(anomaly.actual)} ${unit} against an expected ${fmt(anomaly.expected_low)}–${fmt(anomaly.expected_high)} ${unit}${anomaly.events.length > 0 ? `, with ${[...new Set(anomaly.events.map((event) => event.cause_code))].join(', ')} recorded` : ''}.`,
      dims: { site_id: anomaly.member, product_id: product },
      numbers: {
        actual: anomaly.actual,
        expected: anomaly.expected,
        expected_low: anomaly.expected_low,
        expected_high: anomaly.expected_high,
        robust_z: anomaly.robust_z,
        top_contributor: anomaly.top_contributor?.asset_id ?? null,
      },
    });
  }

  const assetRows = await run(['asset'], { from: date, to: date });
  const detractors = assetRows
    .filter((row) => row.actual_volume !== null && row.planned_volume)
    .map((row) => ({
      asset: String(row.asset),
      variance: (row.actual_volume ?? 0) - (row.planned_volume ?? 0),
      plan: row.planned_volume ?? 0,
    }))
    .filter((row) => row.variance < 0)
    .sort((left, right) => left.variance - right.variance)
    .slice(0, 3);
  for (const detractor of detractors) {
    const siteId = catalog.assets.find((asset) => asset.id === detractor.asset)?.site_id;
    const sitePlan =
      bySite.get(siteId ?? '')?.find((row) => row.date === date)?.planned_volume ?? detractor.plan;
    insights.push({
      type: 'top_detractor',
      score: round(Math.abs(detractor.variance) / Math.max(sitePlan, 1), 3),
      statement: `${detractor.asset} was ${fmt(Math.abs(detractor.variance))} ${unit} under plan on ${date} (${signedPct((detractor.variance / detractor.plan) * 100)}).`,
      dims: { site_id: siteId, asset_id: detractor.asset, product_id: product },
      numbers: {
        variance: round(detractor.variance, 3),
        planned: round(detractor.plan, 3),
        variance_pct: round((detractor.variance / detractor.plan) * 100, 2),
      },
    });
  }

  const recent = await run(['asset'], { from: addDays(date, -29), to: date });
  const earlier = await run(['asset'], { from: addDays(date, -89), to: addDays(date, -30) });
  for (const row of recent) {
    const before = earlier.find((candidate) => candidate.asset === row.asset);
    if (
      !row.planned_volume ||
      !before?.planned_volume ||
      row.actual_volume === null ||
      before.actual_volume === null
    )
      continue;
    const recentPct = ((row.actual_volume - row.planned_volume) / row.planned_volume) * 100;
    const earlierPct = ((before.actual_volume - before.planned_volume) / before.planned_volume) * 100;
    if (Math.abs(recentPct - earlierPct) < 5) continue;
    const siteId = catalog.assets.find((asset) => asset.id === row.asset)?.site_id;
    insights.push({
      type: 'new_trend',
      score: round(
        Math.abs(row.actual_volume - row.planned_volume) / 30 / Math.max(row.planned_volume / 30, 1),
        3,
      ),
      statement: `${String(row.asset)} ran ${signedPct(recentPct)} against plan over the last 30 days, after ${signedPct(earlierPct)} in the 60 days before.`,
      dims: { site_id: siteId, asset_id: String(row.asset), product_id: product },
      numbers: {
        last_30_days_variance_pct: round(recentPct, 2),
        previous_60_days_variance_pct: round(earlierPct, 2),
      },
    });
  }

  insights.sort((left, right) => right.score - left.score || left.type.localeCompare(right.type));
  return { insights: insights.map((insight, index) => ({ rank: index + 1, ...insight })), queryIds };
}
