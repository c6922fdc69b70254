import { createHash } from 'node:crypto';
import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, daysBetween, isIsoDate } from '../dates.js';
import { DomainError } from '../errors.js';
import { type Anomaly, detectAnomalies, type Sensitivity } from './anomalies.js';
import { type Catalog, readCatalog, readDataVersion } from './catalog.js';
import { type DailyCursor, type DailyPage, readDailyPage } from './daily.js';
import { buildDigest, type DigestInsight } from './digest.js';
import { type DowntimeEvent, type EventCursor, type EventPage, readEventPage } from './events.js';
import { assessFreshness, type TableFreshness } from './freshness.js';
import {
  compileDowntimeEvents,
  compileProductionAggregate,
  type GroupDimension,
  type InsightFilters,
} from './query.js';
import type { SemanticModel } from './semantic.js';
import {
  type CauseLoss,
  type Comparison,
  computeVariance,
  lostVolumeByCause,
  type VarianceBy,
  type VarianceResult,
} from './variance.js';

/** Longest range one request may cover. */
export const MAX_RANGE_DAYS = 1096;

/** Filters as a request states them (ids, not yet validated). */
export interface FilterInput {
  date?: string;
  from?: string;
  to?: string;
  site?: readonly string[];
  asset?: readonly string[];
  product?: readonly string[];
}

/** Options for {@link InsightsService}. */
export interface InsightsServiceOptions {
  /** How long cached results live at most. */
  cacheTtlMs: number;
  /** How often the data version is re-read (new loads invalidate caches within this bound). */
  versionCheckMs?: number;
  cacheEntries?: number;
  /** Forecast model version to read from FORECAST_DAILY; the newest present when absent. */
  forecastVersion?: string;
  now?: () => number;
}

interface CacheEntry {
  value: unknown;
  storedAt: number;
  /** Derived once, when the entry is stored: a hash of the data version and the query. */
  etag: string;
}

/**
 * The insights domain: validates filters against the catalog and the key's site allow-list, runs the
 * compiled queries and caches results per data version. No HTTP here.
 */
export class InsightsService {
  private catalogState: { catalog: Catalog; checkedAt: number } | undefined;
  private catalogLoading: Promise<Catalog> | undefined;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private epoch = 0;

  constructor(
    private readonly warehouse: Warehouse,
    readonly model: SemanticModel,
    private readonly options: InsightsServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The catalog, re-validated against the data version at most every `versionCheckMs`. */
  async catalog(): Promise<Catalog> {
    const state = this.catalogState;
    const checkEvery = this.options.versionCheckMs ?? 15_000;
    if (state && this.now() - state.checkedAt < checkEvery) return state.catalog;
    this.catalogLoading ??= (async () => {
      try {
        if (state && (await readDataVersion(this.warehouse, this.model)) === state.catalog.dataVersion) {
          this.catalogState = { catalog: state.catalog, checkedAt: this.now() };
          return state.catalog;
        }
        const catalog = await readCatalog(this.warehouse, this.model);
        this.cache.clear();
        this.catalogState = { catalog, checkedAt: this.now() };
        return catalog;
      } finally {
        this.catalogLoading = undefined;
      }
    })();
    return this.catalogLoading;
  }

  /** Each table's freshness today (this service's clock), judged against `maxAgeDays`. */
  async freshness(maxAgeDays: number): Promise<TableFreshness[]> {
    const catalog = await this.catalog();
    return assessFreshness(catalog.loadStates, new Date(this.now()).toISOString().slice(0, 10), maxAgeDays);
  }

  /** Forgets the catalog and every cached result (after a load through this process). */
  invalidate(): void {
    this.epoch += 1;
    this.catalogState = undefined;
    this.cache.clear();
  }

  /**
   * The version every cached result is valid for (data version, plus a count of invalidations), while the
   * catalog's last version check is recent; undefined when the next request must check again. Answers
   * derived from cached results (serialized responses) are keyed by it.
   */
  resultVersion(): string | undefined {
    const state = this.catalogState;
    if (!state || this.now() - state.checkedAt >= (this.options.versionCheckMs ?? 15_000)) return undefined;
    return `${this.epoch}:${state.catalog.dataVersion}`;
  }

  /** Forecast version used for warehouse forecasts, or null when none is loaded. */
  async forecastVersion(): Promise<string | null> {
    return this.options.forecastVersion ?? (await this.catalog()).forecastVersions[0] ?? null;
  }

  /**
   * Validates a request's filters: dates real and ordered, range bounded, sites within the allow-list,
   * members known. A site or asset outside a restricted key's allow-list is 403 whether it exists or not,
   * so other sites' ids cannot be enumerated; no site means "all allowed sites".
   */
  async resolveFilters(
    input: FilterInput,
    allowedSites: readonly string[] | null,
    defaults: { range: 'last_day' | 'last_30_days' | 'none'; defaultProduct?: boolean },
  ): Promise<InsightFilters> {
    const catalog = await this.catalog();
    const asOf = catalog.asOf;
    let from = input.from;
    let to = input.to;
    if (input.date) {
      if (input.from || input.to)
        throw new DomainError('invalid_parameter', 'Use either date or from/to, not both.', {
          param: 'date',
        });
      from = input.date;
      to = input.date;
    }
    for (const [param, value] of [
      ['date', input.date],
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined && !isIsoDate(value)) {
        throw new DomainError('invalid_parameter', `${param} must be a calendar date in YYYY-MM-DD form.`, {
          param,
        });
      }
    }
    if (!from && !to) {
      if (defaults.range === 'none' || !asOf) {
        throw new DomainError('invalid_parameter', 'Give date or from and to.', { param: 'from' });
      }
      to = asOf;
      from = defaults.range === 'last_day' ? asOf : addDays(asOf, -29);
    }
    if (!from || !to) {
      const missing = from ? 'to' : 'from';
      throw new DomainError(
        'invalid_parameter',
        `${from ? 'from' : 'to'} without ${missing}: give both (inclusive), or date=YYYY-MM-DD for one day.`,
        { param: missing },
      );
    }
    if (to < from)
      throw new DomainError('invalid_parameter', `to (${to}) is before from (${from}).`, { param: 'to' });
    if (daysBetween(from, to) > MAX_RANGE_DAYS) {
      throw new DomainError('invalid_parameter', `The range may cover at most ${MAX_RANGE_DAYS} days.`, {
        param: 'to',
      });
    }
    const check = (
      param: 'site' | 'asset' | 'product',
      values: readonly string[] | undefined,
      known: readonly { id: string }[],
    ) => {
      if (!values) return undefined;
      for (const value of values) {
        if (!known.some((member) => member.id === value)) {
          throw new DomainError('unknown_member', `Unknown ${param} "${value.slice(0, 80)}".`, { param });
        }
      }
      return [...new Set(values)];
    };
    if (allowedSites) {
      const forbidden = input.site?.find((site) => !allowedSites.includes(site));
      if (forbidden)
        throw new DomainError('site_forbidden', `This key may not read site ${forbidden.slice(0, 80)}.`, {
          param: 'site',
        });
      const forbiddenAsset = input.asset?.find(
        (asset) =>
          !allowedSites.includes(catalog.assets.find((member) => member.id === asset)?.site_id ?? ''),
      );
      if (forbiddenAsset) {
        throw new DomainError(
          'site_forbidden',
          `This key may not read asset ${forbiddenAsset.slice(0, 80)}.`,
          {
            param: 'asset',
          },
        );
      }
    }
    const sites = check('site', input.site, catalog.sites);
    const assets = check('asset', input.asset, catalog.assets);
    let products = check('product', input.product, catalog.products);
    if (!products && defaults.defaultProduct) {
      const fallback =
        catalog.products.find((product) => product.id === this.model.default_product) ?? catalog.products[0];
      products = fallback ? [fallback.id] : [];
    }
    return { from, to, sites, assets, products, allowedSites };
  }

  /** One page of daily rows. */
  daily(
    filters: InsightFilters,
    page: { limit: number; after: DailyCursor | null },
  ): Promise<Cached<DailyPage>> {
    return this.cached(['daily', filters, page], async () => {
      const catalog = await this.catalog();
      return readDailyPage(this.warehouse, this.model, filters, {
        ...page,
        forecastVersion: await this.forecastVersion(),
        units: new Map(catalog.products.map((product) => [product.id, product.unit])),
      });
    });
  }

  /** Variance with contributors. */
  variance(filters: InsightFilters, compare: Comparison, by: VarianceBy): Promise<Cached<VarianceResult>> {
    return this.cached(['variance', filters, compare, by], async () =>
      computeVariance(this.warehouse, this.model, await this.catalog(), filters, {
        compare,
        by,
        forecastVersion: await this.forecastVersion(),
      }),
    );
  }

  /** One page of the downtime events overlapping the range, oldest start first. */
  events(
    filters: InsightFilters,
    page: { limit: number; after: EventCursor | null; causeCategory?: 'planned' | 'unplanned' },
  ): Promise<Cached<EventPage>> {
    return this.cached(['events', filters, page], async () => {
      const catalog = await this.catalog();
      return readEventPage(this.warehouse, this.model, filters, {
        ...page,
        units: new Map(catalog.products.map((product) => [product.id, product.unit])),
      });
    });
  }

  /** Lost volume by downtime cause in range (planned and unplanned). */
  downtimeByCause(filters: InsightFilters): Promise<Cached<{ causes: CauseLoss[]; queryId: string }>> {
    return this.cached(['downtime', filters], () => lostVolumeByCause(this.warehouse, this.model, filters));
  }

  /** Anomalies in range. */
  anomalies(
    filters: InsightFilters,
    sensitivity: Sensitivity,
  ): Promise<Cached<{ anomalies: Anomaly[]; queryIds: string[] }>> {
    return this.cached(['anomalies', filters, sensitivity], async () =>
      detectAnomalies(this.warehouse, this.model, await this.catalog(), filters, sensitivity),
    );
  }

  /** The day's digest. */
  digest(
    filters: InsightFilters,
    date: string,
  ): Promise<Cached<{ insights: DigestInsight[]; queryIds: string[] }>> {
    const product = filters.products?.[0] ?? this.model.default_product;
    return this.cached(['digest', filters, date], async () =>
      buildDigest(this.warehouse, this.model, await this.catalog(), { ...filters, product }, date),
    );
  }

  /**
   * Actual volume, planned volume (null where no plan), uptime hours and row count grouped by `groupBy`
   * (explain facts: totals, rankings, comparisons, trends, on-stream hours). One compiled aggregate.
   */
  productionAggregate(
    filters: InsightFilters,
    groupBy: readonly GroupDimension[],
  ): Promise<Cached<{ rows: ProductionAggregateRow[]; queryId: string }>> {
    return this.cached(['production-aggregate', filters, groupBy], async () => {
      const compiled = compileProductionAggregate(
        this.model,
        ['actual_volume', 'planned_volume', 'uptime_hours'],
        groupBy,
        filters,
      );
      const result = await this.warehouse.query<ProductionAggregateRow & Record<string, unknown>>(
        compiled.sql,
        compiled.params,
      );
      return {
        rows: result.rows.map((row) => ({
          ...row,
          actual_volume: row.actual_volume === null ? null : Number(row.actual_volume),
          planned_volume: row.planned_volume === null ? null : Number(row.planned_volume),
          uptime_hours: row.uptime_hours === null ? null : Number(row.uptime_hours),
        })),
        queryId: result.queryId,
      };
    });
  }

  /** Downtime events overlapping the range within the filters, in start order (explain events facts). */
  downtimeEventRows(filters: InsightFilters): Promise<Cached<{ events: DowntimeEvent[]; queryId: string }>> {
    return this.cached(['downtime-event-rows', filters], async () => {
      const compiled = compileDowntimeEvents(this.model, filters);
      const result = await this.warehouse.query<DowntimeEvent & Record<string, unknown>>(
        compiled.sql,
        compiled.params,
      );
      return { events: result.rows.map((row) => ({ ...row })), queryId: result.queryId };
    });
  }

  /**
   * Serves `compute`'s result from an LRU cache keyed by the data version and the query (the JSON text
   * itself, so a hit hashes nothing), computing and storing it on a miss or past the TTL.
   */
  private async cached<T>(keyParts: unknown[], compute: () => Promise<T>): Promise<Cached<T>> {
    const catalog = await this.catalog();
    const key = JSON.stringify([catalog.dataVersion, ...keyParts]);
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit && now - hit.storedAt < this.options.cacheTtlMs) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return { value: hit.value as T, cacheHit: true, etag: hit.etag, asOf: catalog.asOf };
    }
    const value = await compute();
    const etag = `"${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`;
    this.cache.set(key, { value, storedAt: now, etag });
    const limit = this.options.cacheEntries ?? 2_000;
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
    return { value, cacheHit: false, etag, asOf: catalog.asOf };
  }
}

/** One row of {@link InsightsService.productionAggregate}: the grouping columns plus the three sums. */
export interface ProductionAggregateRow {
  date?: string;
  site?: string;
  asset?: string;
  product?: string;
  actual_volume: number | null;
  planned_volume: number | null;
  uptime_hours: number | null;
}

/** A result with its cache metadata; the ETag is derived from the data version and the query. */
export interface Cached<T> {
  value: T;
  cacheHit: boolean;
  etag: string;
  asOf: string | null;
}
