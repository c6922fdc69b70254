import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, daysBetween, minusOneYear } from '../dates.js';
import { DomainError } from '../errors.js';
import type { Catalog } from './catalog.js';
import { type DowntimeEvent, lostInRange } from './events.js';
import {
  compileDowntimeEvents,
  compileForecastAggregate,
  compileProductionAggregate,
  type GroupDimension,
  type InsightFilters,
} from './query.js';
import type { SemanticModel } from './semantic.js';

/** What the actuals are compared with. */
export type Comparison = 'plan' | 'forecast' | 'previous_period' | 'year_ago';
/** How the change is broken down. */
export type VarianceBy = 'site' | 'asset' | 'product' | 'cause';

/** One contributor to the total change. */
export interface Contributor {
  member: string;
  label: string;
  current: number | null;
  baseline: number | null;
  change: number;
  change_pct: number | null;
  share_of_change_pct: number | null;
  favourable: boolean;
}

/** Result of a variance query. Contributors' `change` sum exactly to `total.change` (in thousandths). */
export interface VarianceResult {
  compare: Comparison;
  by: VarianceBy;
  metric: 'actual_volume';
  unit: string;
  products: string[];
  period: { from: string; to: string };
  baseline_period: { from: string; to: string };
  total: {
    current: number;
    baseline: number;
    change: number;
    change_pct: number | null;
    favourable: boolean;
  };
  contributors: Contributor[];
  drivers: string[];
  detractors: string[];
  query_ids: string[];
  notes: string[];
}

const toMilli = (value: number): number => Math.round(value * 1000);
const fromMilli = (milli: number): number => milli / 1000;
const pct = (change: number, base: number | null): number | null =>
  base ? Math.round((change / Math.abs(base)) * 10_000) / 100 : null;

interface Aggregate {
  member: string;
  current: number;
  baseline: number;
}

/**
 * Computes the change of actual volume against a baseline and its contributors. Contributions are
 * rounded to thousandths first and the total is their sum, so they reconcile exactly. With `by=cause`
 * contributors are the lost volume of downtime causes (negated) plus an `unexplained` remainder; against
 * plan or forecast only unplanned causes count, since both already account for planned downtime.
 */
export async function computeVariance(
  warehouse: Warehouse,
  model: SemanticModel,
  catalog: Catalog,
  filters: InsightFilters,
  options: { compare: Comparison; by: VarianceBy; forecastVersion: string | null },
): Promise<VarianceResult> {
  const { compare, by } = options;
  const products = filters.products ?? catalog.products.map((product) => product.id);
  const units = new Set(
    products.map((id) => catalog.products.find((product) => product.id === id)?.unit ?? ''),
  );
  if (units.size > 1) {
    throw new DomainError(
      'invalid_parameter',
      `The selected products have different units (${[...units].join(', ')}); choose one product.`,
      { param: 'product' },
    );
  }
  const unit = [...units][0] ?? '';
  const upIsGood = model.metrics.actual_volume?.up_is_good ?? true;
  const baselinePeriod = baselineRange(compare, filters.from, filters.to);
  const queryIds: string[] = [];
  const notes: string[] = [];
  const groupBy: GroupDimension[] = by === 'cause' ? [] : [by];

  const current = await warehouse.query<
    Record<string, unknown> & { actual_volume: number | null; planned_volume: number | null }
  >(...spread(compileProductionAggregate(model, ['actual_volume', 'planned_volume'], groupBy, filters)));
  queryIds.push(current.queryId);
  if (current.rows.length === 0 || current.rows.every((row) => row.actual_volume === null)) {
    throw new DomainError(
      'unprocessable',
      `No production data between ${filters.from} and ${filters.to} for this selection.`,
      {
        param: 'from',
      },
    );
  }

  const memberOf = (row: Record<string, unknown>): string => (by === 'cause' ? 'total' : String(row[by]));
  const baselineByMember = new Map<string, number>();
  if (compare === 'plan') {
    if (current.rows.every((row) => row.planned_volume === null)) {
      throw new DomainError(
        'unprocessable',
        'There is no plan data for this range and selection; use compare=previous_period or compare=year_ago.',
        { param: 'compare' },
      );
    }
    for (const row of current.rows) baselineByMember.set(memberOf(row), row.planned_volume ?? 0);
  } else if (compare === 'forecast') {
    if (!options.forecastVersion) {
      throw new DomainError(
        'unprocessable',
        'No warehouse forecast is loaded; use compare=plan or previous_period.',
        {
          param: 'compare',
        },
      );
    }
    const forecast = await warehouse.query<Record<string, unknown> & { p50: number | null }>(
      ...spread(compileForecastAggregate(model, groupBy, filters, options.forecastVersion)),
    );
    queryIds.push(forecast.queryId);
    if (forecast.rows.length === 0 || forecast.rows.every((row) => row.p50 === null)) {
      throw new DomainError('unprocessable', 'There is no forecast for this range and selection.', {
        param: 'compare',
      });
    }
    for (const row of forecast.rows) baselineByMember.set(memberOf(row), row.p50 ?? 0);
  } else {
    const baseline = await warehouse.query<Record<string, unknown> & { actual_volume: number | null }>(
      ...spread(
        compileProductionAggregate(model, ['actual_volume'], groupBy, {
          ...filters,
          from: baselinePeriod.from,
          to: baselinePeriod.to,
        }),
      ),
    );
    queryIds.push(baseline.queryId);
    if (baseline.rows.length === 0 || baseline.rows.every((row) => row.actual_volume === null)) {
      throw new DomainError(
        'unprocessable',
        `No production data in the comparison period ${baselinePeriod.from} to ${baselinePeriod.to}.`,
        { param: 'compare' },
      );
    }
    for (const row of baseline.rows) baselineByMember.set(memberOf(row), row.actual_volume ?? 0);
  }

  const aggregates = new Map<string, Aggregate>();
  for (const row of current.rows) {
    const member = memberOf(row);
    aggregates.set(member, {
      member,
      current: row.actual_volume ?? 0,
      baseline: baselineByMember.get(member) ?? 0,
    });
  }
  for (const [member, baseline] of baselineByMember) {
    if (!aggregates.has(member)) aggregates.set(member, { member, current: 0, baseline });
  }

  let contributors: Contributor[];
  let totalCurrent = 0;
  let totalBaseline = 0;
  for (const aggregate of aggregates.values()) {
    totalCurrent += aggregate.current;
    totalBaseline += aggregate.baseline;
  }
  const labelOf = (member: string): string => {
    if (by === 'site') return catalog.sites.find((site) => site.id === member)?.name ?? member;
    if (by === 'asset') return catalog.assets.find((asset) => asset.id === member)?.name ?? member;
    if (by === 'product') return catalog.products.find((product) => product.id === member)?.name ?? member;
    return member;
  };

  if (by === 'cause') {
    const totalChangeMilli = toMilli(totalCurrent) - toMilli(totalBaseline);
    const causeMilli = await causeContributions(warehouse, model, filters, compare, baselinePeriod, queryIds);
    const explainedMilli = [...causeMilli.values()].reduce((sum, value) => sum + value, 0);
    contributors = [...causeMilli.entries()].map(([cause, milli]) => ({
      member: cause,
      label: cause,
      current: null,
      baseline: null,
      change: fromMilli(milli),
      change_pct: null,
      share_of_change_pct: pct(milli, totalChangeMilli),
      favourable: upIsGood ? milli > 0 : milli < 0,
    }));
    const unexplainedMilli = totalChangeMilli - explainedMilli;
    contributors.push({
      member: 'unexplained',
      label: 'Not explained by downtime events',
      current: null,
      baseline: null,
      change: fromMilli(unexplainedMilli),
      change_pct: null,
      share_of_change_pct: pct(unexplainedMilli, totalChangeMilli),
      favourable: upIsGood ? unexplainedMilli > 0 : unexplainedMilli < 0,
    });
    if (compare === 'plan' || compare === 'forecast') {
      notes.push(
        'Only unplanned downtime counts against plan or forecast: both already account for planned downtime.',
      );
    }
  } else {
    contributors = [...aggregates.values()].map((aggregate) => {
      const changeMilli = toMilli(aggregate.current) - toMilli(aggregate.baseline);
      return {
        member: aggregate.member,
        label: labelOf(aggregate.member),
        current: fromMilli(toMilli(aggregate.current)),
        baseline: fromMilli(toMilli(aggregate.baseline)),
        change: fromMilli(changeMilli),
        change_pct: pct(changeMilli, toMilli(aggregate.baseline)),
        share_of_change_pct: null,
        favourable: upIsGood ? changeMilli > 0 : changeMilli < 0,
      };
    });
  }
  const totalChangeMilli = contributors.reduce((sum, contributor) => sum + toMilli(contributor.change), 0);
  if (by !== 'cause') {
    for (const contributor of contributors) {
      contributor.share_of_change_pct = pct(toMilli(contributor.change), totalChangeMilli);
    }
  }
  contributors.sort((left, right) => left.change - right.change || left.member.localeCompare(right.member));
  const favourable = contributors.filter((contributor) => contributor.favourable && contributor.change !== 0);
  const unfavourable = contributors.filter(
    (contributor) => !contributor.favourable && contributor.change !== 0,
  );
  favourable.sort((left, right) => Math.abs(right.change) - Math.abs(left.change));
  unfavourable.sort((left, right) => Math.abs(right.change) - Math.abs(left.change));
  const currentRounded = fromMilli(toMilli(totalCurrent));
  const baselineRounded = fromMilli(toMilli(totalBaseline));
  return {
    compare,
    by,
    metric: 'actual_volume',
    unit,
    products: [...products],
    period: { from: filters.from, to: filters.to },
    baseline_period: baselinePeriod,
    total: {
      current: currentRounded,
      baseline: baselineRounded,
      change: fromMilli(totalChangeMilli),
      change_pct: pct(totalChangeMilli, toMilli(totalBaseline)),
      favourable: upIsGood ? totalChangeMilli > 0 : totalChangeMilli < 0,
    },
    contributors,
    drivers: favourable.map((contributor) => contributor.member),
    detractors: unfavourable.map((contributor) => contributor.member),
    query_ids: queryIds,
    notes,
  };
}

/** The baseline date range of a comparison. */
export function baselineRange(compare: Comparison, from: string, to: string): { from: string; to: string } {
  if (compare === 'previous_period') {
    const length = daysBetween(from, to);
    return { from: addDays(from, -length), to: addDays(from, -1) };
  }
  if (compare === 'year_ago') return { from: minusOneYear(from), to: minusOneYear(to) };
  return { from, to };
}

async function causeContributions(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
  compare: Comparison,
  baselinePeriod: { from: string; to: string },
  queryIds: string[],
): Promise<Map<string, number>> {
  const products = new Set(filters.products ?? []);
  const lostByCause = async (from: string, to: string, categories: Set<string> | null) => {
    const compiled = compileDowntimeEvents(model, { ...filters, from, to });
    const result = await warehouse.query<DowntimeEvent & Record<string, unknown>>(
      compiled.sql,
      compiled.params,
    );
    queryIds.push(result.queryId);
    const lost = new Map<string, number>();
    for (const event of result.rows) {
      if (event.product_id === null || (products.size > 0 && !products.has(event.product_id))) continue;
      if (categories && !categories.has(event.cause_category)) continue;
      lost.set(event.cause_code, (lost.get(event.cause_code) ?? 0) + lostInRange(event, from, to));
    }
    return lost;
  };
  const contributions = new Map<string, number>();
  if (compare === 'plan' || compare === 'forecast') {
    for (const [cause, lost] of await lostByCause(filters.from, filters.to, new Set(['unplanned']))) {
      contributions.set(cause, -toMilli(lost));
    }
  } else {
    const now = await lostByCause(filters.from, filters.to, null);
    const before = await lostByCause(baselinePeriod.from, baselinePeriod.to, null);
    for (const cause of new Set([...now.keys(), ...before.keys()])) {
      contributions.set(cause, -(toMilli(now.get(cause) ?? 0) - toMilli(before.get(cause) ?? 0)));
    }
  }
  return contributions;
}

function spread(query: { sql: string; params: import('../../ports/warehouse.js').SqlParam[] }) {
  return [query.sql, query.params] as const;
}

/** Lost volume of one downtime cause within a range. */
export interface CauseLoss {
  cause_code: string;
  cause_category: string;
  lost_volume: number;
  events: number;
}

/** Lost volume by cause in the range for the filtered products (events prorated to the range). */
export async function lostVolumeByCause(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
): Promise<{ causes: CauseLoss[]; queryId: string }> {
  const compiled = compileDowntimeEvents(model, filters);
  const result = await warehouse.query<DowntimeEvent & Record<string, unknown>>(
    compiled.sql,
    compiled.params,
  );
  const products = new Set(filters.products ?? []);
  const byCause = new Map<string, CauseLoss>();
  for (const event of result.rows) {
    const entry = byCause.get(event.cause_code) ?? {
      cause_code: event.cause_code,
      cause_category: event.cause_category,
      lost_volume: 0,
      events: 0,
    };
    entry.events += 1;
    if (event.product_id !== null && (products.size === 0 || products.has(event.product_id))) {
      entry.lost_volume += lostInRange(event, filters.from, filters.to);
    }
    byCause.set(event.cause_code, entry);
  }
  const causes = [...byCause.values()]
    .map((cause) => ({ ...cause, lost_volume: Math.round(cause.lost_volume * 1000) / 1000 }))
    .sort((left, right) => right.lost_volume - left.lost_volume);
  return { causes, queryId: result.queryId };
}
