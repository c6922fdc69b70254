/**
 * What every per-intent fact module shares: the plan, the resolved scope, the services, fact ids and
 * citable sources, and helpers that name members and pick the baseline.
 */
import { DomainError } from '../../../errors.js';
import type { Catalog } from '../../../insights/catalog.js';
import type { ForecastService } from '../../../insights/forecast.js';
import type { InsightFilters } from '../../../insights/query.js';
import type { InsightsService } from '../../../insights/service.js';
import type { Period, QuestionPlan } from '../plan/schema.js';
import type { Fact, FactSource } from '../types.js';

/** Inputs of a fact module. */
export interface FactContext {
  plan: QuestionPlan;
  insights: InsightsService;
  forecasts: ForecastService;
  catalog: Catalog;
  allowedSites: readonly string[] | null;
  asOf: string;
  /** The product the facts are about (one unit per answer). */
  product: string;
  unit: string;
}

/** Gives fact ids `D1`, `D2`, … in order. */
export class FactList {
  readonly facts: Fact[] = [];

  /** Adds a fact, giving it the next id; returns it. */
  add(fact: Omit<Fact, 'id' | 'as_of'> & { as_of?: string | null }, asOf: string): Fact {
    const full: Fact = { ...fact, id: `D${this.facts.length + 1}`, as_of: fact.as_of ?? asOf };
    this.facts.push(full);
    return full;
  }
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Rounds a volume to thousandths, the precision the insights domain reconciles at. */
export const roundVolume = (value: number): number => round(value, 3);

/** Percentage change with two decimals, null without a base. */
export const pctChange = (current: number, base: number): number | null =>
  base ? Math.round(((current - base) / Math.abs(base)) * 10_000) / 100 : null;

/** Display name of a site id. */
export const siteName = (catalog: Catalog, id: string): string =>
  catalog.sites.find((site) => site.id === id)?.name ?? id;

/** Display name of an asset id: its code, then its name when that says more. */
export function assetName(catalog: Catalog, id: string): string {
  const name = catalog.assets.find((asset) => asset.id === id)?.name;
  if (!name || name === id || name.endsWith(id)) return id;
  return `${id} (${name.split('(')[0]!.trim()})`;
}

/** The filters of one period of the plan's scope, validated by the insights domain. */
export async function filtersFor(
  context: FactContext,
  period: Pick<Period, 'from' | 'to'>,
  scope: { sites?: readonly string[]; assets?: readonly string[]; product?: string | null } = {},
): Promise<InsightFilters> {
  const sites = scope.sites ?? context.plan.sites;
  const assets = scope.assets ?? context.plan.assets;
  const product = scope.product === undefined ? context.product : scope.product;
  return context.insights.resolveFilters(
    {
      from: period.from,
      to: period.to,
      site: sites.length > 0 ? sites : undefined,
      asset: assets.length > 0 ? assets : undefined,
      product: product ? [product] : undefined,
    },
    context.allowedSites,
    { range: 'none' },
  );
}

/** The citable insights request behind figures over `filters`. */
export function sourceOf(
  path: string,
  filters: Pick<InsightFilters, 'from' | 'to' | 'sites' | 'assets' | 'products'>,
  extra: Record<string, string> = {},
): FactSource {
  const params: Record<string, string> = {};
  if (filters.from === filters.to) params.date = filters.from;
  else Object.assign(params, { from: filters.from, to: filters.to });
  if (filters.sites?.length) params.site = filters.sites.join(',');
  if (filters.assets?.length) params.asset = filters.assets.join(',');
  if (filters.products?.length) params.product = filters.products.join(',');
  return { path, params: { ...params, ...extra } };
}

/** The dims every fact of a scope carries: product, period and the named site or asset. */
export function scopeDims(
  context: FactContext,
  filters: InsightFilters,
  label?: string,
): Record<string, string> {
  const dims: Record<string, string> = { product: context.product, from: filters.from, to: filters.to };
  if (filters.from === filters.to) dims.date = filters.from;
  if (label) dims.period = label;
  if (filters.assets?.length === 1) {
    dims.asset = filters.assets[0]!;
    dims.asset_name = assetName(context.catalog, filters.assets[0]!);
  } else if (filters.sites?.length === 1) {
    dims.site = filters.sites[0]!;
    dims.site_name = siteName(context.catalog, filters.sites[0]!);
  }
  return dims;
}

/** True when the scope has plan volumes in the period (Volve has none). */
export async function hasPlan(context: FactContext, filters: InsightFilters): Promise<boolean> {
  const { rows } = (await context.insights.productionAggregate(filters, [])).value;
  return rows.some((row) => row.planned_volume !== null && row.planned_volume !== 0);
}

/** Runs `body`, turning the insights domain's "no data" errors into null. */
export async function orNull<T>(body: () => Promise<T>): Promise<T | null> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'site_forbidden') return null;
    throw error;
  }
}

/** The subject of a scope's dims: its site or asset name, or "All sites". */
export const memberLabel = (dims: Record<string, string>): string =>
  dims.site_name ?? dims.asset_name ?? 'All sites';
