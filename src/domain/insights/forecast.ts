import { createHash } from 'node:crypto';
import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, daysBetween, toEpochDay } from '../dates.js';
import { DomainError } from '../errors.js';
import {
  AccuracyAccumulator,
  type DailyPoint,
  type ForecastInputError,
  type ForecastResult,
  forecastMany,
  HORIZON_RANGE,
} from '../forecast/index.js';
import type { Catalog } from './catalog.js';
import { type CompiledQuery, compileProductionAggregate, type InsightFilters, whereClause } from './query.js';
import type { SemanticModel } from './semantic.js';
import type { Cached, FilterInput, InsightsService } from './service.js';

/** Where a forecast comes from: FORECAST_DAILY rows of the configured model version, or the built-in models. */
export type ForecastSource = 'warehouse' | 'builtin';

/** What a caller asks for: `auto` uses the warehouse rows when they cover the horizon, the built-in models otherwise. */
export type ForecastSourceChoice = 'auto' | ForecastSource;

/** Longest history a forecast reads: four years up to `as_of`. */
export const FORECAST_HISTORY_DAYS = 1461;

/** Central interval of warehouse forecasts: FORECAST_DAILY carries P10/P50/P90 only. */
export const WAREHOUSE_INTERVAL = 0.8;

/** Accepted central interval probabilities (same bounds as the forecasting domain). */
export const INTERVAL_RANGE = { min: 0.5, max: 0.98 } as const;

/** Days before `as_of` over which an asset must have produced to count as active in a scope. */
const ACTIVE_WINDOW_DAYS = 90;

/** Days of history over which warehouse forecasts are compared with actuals. */
const WAREHOUSE_SCORE_DAYS = 365;

/** A request for one scope's forecast. */
export interface ForecastQuery {
  /** From {@link ForecastService.resolveScope} (or `insights.resolveFilters`): one site or one asset, one product. */
  filters: InsightFilters;
  /** Days after `as_of` (1–180). */
  horizon: number;
  /** Central interval probability of `lower`/`upper` (0.5–0.98). */
  interval: number;
  source?: ForecastSourceChoice;
}

/** One forecast day. `lower`/`upper` bound the requested central interval (P10/P90 at 0.8). */
export interface ScopeForecastPoint {
  date: string;
  p10: number;
  p50: number;
  p90: number;
  lower: number;
  upper: number;
}

/**
 * Accuracy of the forecast's model on the same series. `builtin_in_sample`: the selected built-in model
 * scored on rolling origins inside the last year of history (the same origins calibrate its intervals, so
 * it is a health indicator, not a holdout score). `warehouse_vs_actuals`: the warehouse rows of the model
 * version dated within the last year of history compared with the actuals of those days; the lead time of
 * those rows is unknown (they may have been generated after the day), so `horizon_days` is null.
 */
export interface ForecastBacktest {
  method: 'builtin_in_sample' | 'warehouse_vs_actuals';
  mase: number | null;
  smape: number | null;
  bias: number | null;
  coverage: number | null;
  horizon_days: number | null;
  origins: number | null;
  days: number | null;
}

/** The scope a forecast covers. */
export interface ForecastScope {
  site_id?: string;
  asset_id?: string;
  product_id: string;
}

/** A scope's forecast with its provenance. */
export interface ScopeForecast {
  source: ForecastSource;
  /** Built-in model name (`naive`, `seasonal_naive`, `ets`, `arps`) or `warehouse`. */
  model: string;
  /** FORECAST_DAILY model version (warehouse source), null for built-in forecasts. */
  model_version: string | null;
  /** Built-in: last history date the fit saw. Warehouse: latest `generated_at` of the rows used. */
  fitted_at: string;
  horizon: number;
  interval: number;
  unit: string;
  scope: ForecastScope;
  /** From the day after `as_of`, one per day. */
  points: ScopeForecastPoint[];
  backtest: ForecastBacktest | null;
  /** Days with production data in the history read (at most {@link FORECAST_HISTORY_DAYS}). */
  history_days: number;
  shut_in: { current: boolean; current_run_days: number; historical_fraction: number };
  /** Why the source was chosen when it is not the obvious one (e.g. the warehouse rows fall short). */
  notes: string[];
  query_ids: string[];
}

/** Options of {@link ForecastService}. */
export interface ForecastServiceOptions {
  cacheTtlMs: number;
  cacheEntries?: number;
  now?: () => number;
}

interface CacheEntry {
  value: ScopeForecast;
  storedAt: number;
}

interface HistoryRow extends Record<string, unknown> {
  date: string;
  actual_volume: number | null;
  uptime_pct: number | null;
}

interface WarehouseForecastRow extends Record<string, unknown> {
  date: string;
  p10: number;
  p50: number;
  p90: number;
  assets: number;
  generated_at: string | null;
}

/**
 * Reads the daily series of one scope (one site or one asset, one product) with compiled, parameterised
 * SQL: per date, the sum of `actual_volume` over the scope's assets and the MEAN of their hours on stream
 * (`uptime_pct` × 24 / 100, over assets with known hours). With the mean, `volume × 24 / hours` is the
 * site's volume with every well on stream all day, and a site-day is a shut-in (0 h) only when every well
 * is. Days with a missing or negative volume are left out (missing, never zero); hours outside 0–25 are
 * treated as unknown.
 */
export async function readScopeSeries(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
): Promise<{ points: DailyPoint[]; queryId: string }> {
  const query = compileProductionAggregate(model, ['actual_volume', 'uptime_pct'], ['date'], filters);
  const result = await warehouse.query<HistoryRow>(query.sql, query.params);
  const points: DailyPoint[] = [];
  for (const row of result.rows) {
    const volume = row.actual_volume;
    if (volume === null || !Number.isFinite(volume) || volume < 0) continue;
    const hours = row.uptime_pct === null ? null : (row.uptime_pct * 24) / 100;
    points.push({
      date: row.date,
      value: volume,
      uptimeHours: hours !== null && Number.isFinite(hours) && hours >= 0 && hours <= 25 ? hours : null,
    });
  }
  return { points, queryId: result.queryId };
}

/**
 * Compiles the per-date sums of P10/P50/P90 of one FORECAST_DAILY model version over the filtered assets,
 * with the number of assets that have a complete row that date and the latest `generated_at`.
 */
export function compileScopeForecast(
  model: SemanticModel,
  filters: InsightFilters,
  modelVersion: string,
): CompiledQuery {
  const { forecast, assets } = model.sources;
  const alias = forecast.alias;
  const where = whereClause(filters, alias);
  const sql = [
    `SELECT ${alias}.date AS date, SUM(${alias}.p10) AS p10, SUM(${alias}.p50) AS p50, SUM(${alias}.p90) AS p90,`,
    `COUNT(DISTINCT ${alias}.asset_id) AS assets, MAX(${alias}.generated_at) AS generated_at`,
    `FROM ${forecast.table} ${alias}`,
    `JOIN ${assets.table} ${assets.alias} ON a.asset_id = ${alias}.asset_id`,
    `WHERE ${where.sql} AND ${alias}.model_version = ?`,
    `AND ${alias}.p10 IS NOT NULL AND ${alias}.p50 IS NOT NULL AND ${alias}.p90 IS NOT NULL`,
    `GROUP BY ${alias}.date ORDER BY ${alias}.date`,
  ].join(' ');
  return { sql, params: [...where.params, modelVersion] };
}

/**
 * Maps a forecasting input error to a domain error: shape problems (horizon, interval, model) are 400
 * `invalid_parameter` naming the parameter; unusable data (series too short, …) is 422 `unprocessable`
 * with the forecasting code in `reason`.
 */
export function toDomainError(error: ForecastInputError, subject: string): DomainError {
  if (error.status === 400) {
    const param =
      error.code === 'horizon_out_of_range'
        ? 'horizon'
        : error.code === 'interval_out_of_range'
          ? 'interval'
          : 'model';
    return new DomainError('invalid_parameter', `${error.message}.`, { param, reason: error.code });
  }
  return new DomainError('unprocessable', `Cannot forecast ${subject}: ${error.message}.`, {
    reason: error.code,
    ...error.details,
  });
}

/** Volumes are reported to the thousandth (rounding keeps P10 ≤ P50 ≤ P90: it is monotone). */
const roundVolume = (value: number): number => Math.round(value * 1000) / 1000;

const nullIfNaN = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Shut-in state of a history by the forecasting domain's rule: a day is shut in when its volume is at most
 * 1 % of the median producing volume or its hours on stream are 0.
 */
function shutInSummary(points: readonly DailyPoint[]): ScopeForecast['shut_in'] {
  const positive = points
    .map((point) => point.value)
    .filter((value) => value > 0)
    .sort((left, right) => left - right);
  const threshold = 0.01 * (positive[Math.floor(positive.length / 2)] ?? 0);
  const shutIn = points.map((point) => point.value <= threshold || point.uptimeHours === 0);
  let run = 0;
  while (run < shutIn.length && shutIn[shutIn.length - 1 - run]) run++;
  return {
    current: run > 0,
    current_run_days: run,
    historical_fraction: shutIn.length > 0 ? shutIn.filter(Boolean).length / shutIn.length : 0,
  };
}

/** Mean absolute change between consecutive calendar days that both have data: the MASE scale. */
function naiveScaleOf(points: readonly DailyPoint[]): number {
  let sum = 0;
  let count = 0;
  for (let index = 1; index < points.length; index++) {
    const previous = points[index - 1]!;
    const current = points[index]!;
    if (toEpochDay(current.date) - toEpochDay(previous.date) !== 1) continue;
    sum += Math.abs(current.value - previous.value);
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/**
 * Forecasts of one site or one asset and product, for `GET /insights/forecast`. Source order: the
 * FORECAST_DAILY rows of the configured model version (`insights.forecastVersion()`) when every active
 * asset of the scope has a row on every day of the horizon, summed over assets (P10 and P90 are summed too,
 * which assumes the wells move together: the band is on the wide side); otherwise the built-in models
 * fitted on the scope's summed series (see {@link readScopeSeries}). Results are cached per data version,
 * model version, scope, product, horizon, interval and source; concurrent identical requests share one
 * computation. A built-in fit runs through `forecastMany`, which yields to the event loop after the fit.
 */
export class ForecastService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ScopeForecast>>();
  private readonly now: () => number;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly insights: InsightsService,
    private readonly options: ForecastServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Validates a request's scope: exactly one of `site` or `asset` with a single id, at most one product
   * (the model's default when absent), members known and within the key's allow-list (403 otherwise).
   * The returned filters' dates are `as_of`; {@link ForecastService.forecast} reads its own history window.
   */
  async resolveScope(
    input: Pick<FilterInput, 'site' | 'asset' | 'product'>,
    allowedSites: readonly string[] | null,
  ): Promise<InsightFilters> {
    if ((input.site === undefined) === (input.asset === undefined)) {
      throw new DomainError('invalid_parameter', 'Give exactly one of site or asset.', {
        param: input.site === undefined ? 'site' : 'asset',
      });
    }
    for (const param of ['site', 'asset', 'product'] as const) {
      const values = input[param];
      if (values !== undefined && values.length !== 1) {
        throw new DomainError('invalid_parameter', `${param} takes a single id for a forecast.`, { param });
      }
    }
    const catalog = await this.insights.catalog();
    if (!catalog.asOf) throw new DomainError('unprocessable', 'No production data is loaded yet.');
    return this.insights.resolveFilters({ ...input, date: catalog.asOf }, allowedSites, {
      range: 'none',
      defaultProduct: true,
    });
  }

  /**
   * The forecast of the filters' scope for `horizon` days after `as_of`. Throws `DomainError`:
   * `invalid_parameter` (horizon, interval, scope, interval ≠ 0.8 with `source=warehouse`) and
   * `unprocessable` (no warehouse rows for `source=warehouse`, series too short or ending too long before
   * `as_of`).
   */
  async forecast(query: ForecastQuery): Promise<Cached<ScopeForecast>> {
    const { horizon, interval } = query;
    const source = query.source ?? 'auto';
    if (!Number.isInteger(horizon) || horizon < HORIZON_RANGE.min || horizon > HORIZON_RANGE.max) {
      throw new DomainError(
        'invalid_parameter',
        `horizon must be a whole number of days between ${HORIZON_RANGE.min} and ${HORIZON_RANGE.max}, got ${horizon}.`,
        { param: 'horizon' },
      );
    }
    if (!Number.isFinite(interval) || interval < INTERVAL_RANGE.min || interval > INTERVAL_RANGE.max) {
      throw new DomainError(
        'invalid_parameter',
        `interval must be between ${INTERVAL_RANGE.min} and ${INTERVAL_RANGE.max}, got ${interval}.`,
        { param: 'interval' },
      );
    }
    if (source === 'warehouse' && interval !== WAREHOUSE_INTERVAL) {
      throw new DomainError(
        'invalid_parameter',
        `Warehouse forecasts carry P10/P50/P90 only, so interval must be ${WAREHOUSE_INTERVAL} with source=warehouse.`,
        { param: 'interval' },
      );
    }
    const scope = this.scopeOf(query.filters);
    const catalog = await this.insights.catalog();
    if (!catalog.asOf) throw new DomainError('unprocessable', 'No production data is loaded yet.');
    const modelVersion = source === 'builtin' ? null : await this.insights.forecastVersion();
    const key = createHash('sha256')
      .update(JSON.stringify([catalog.dataVersion, modelVersion, scope, horizon, interval, source]))
      .digest('base64url');
    const etag = `"fc-${key.slice(0, 27)}"`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.storedAt < this.options.cacheTtlMs) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return { value: hit.value, cacheHit: true, etag, asOf: catalog.asOf };
    }
    let pending = this.inFlight.get(key);
    const shared = pending !== undefined;
    if (!pending) {
      pending = this.compute(catalog, query.filters, scope, { horizon, interval, source, modelVersion })
        .then((computed) => {
          this.store(key, computed);
          return computed;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const value = await pending;
    return { value, cacheHit: shared, etag, asOf: catalog.asOf };
  }

  private store(key: string, value: ScopeForecast): void {
    this.cache.set(key, { value, storedAt: this.now() });
    const limit = this.options.cacheEntries ?? 500;
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
  }

  private scopeOf(filters: InsightFilters): ForecastScope {
    const sites = filters.sites ?? [];
    const assets = filters.assets ?? [];
    if (sites.length + assets.length !== 1) {
      throw new DomainError('invalid_parameter', 'A forecast covers exactly one site or one asset.', {
        param: sites.length > 0 ? 'site' : 'asset',
      });
    }
    const products = filters.products ?? [this.insights.model.default_product];
    if (products.length !== 1) {
      throw new DomainError('invalid_parameter', 'A forecast covers exactly one product.', {
        param: 'product',
      });
    }
    const productId = products[0]!;
    return sites.length === 1
      ? { site_id: sites[0]!, product_id: productId }
      : { asset_id: assets[0]!, product_id: productId };
  }

  private async compute(
    catalog: Catalog,
    filters: InsightFilters,
    scope: ForecastScope,
    request: { horizon: number; interval: number; source: ForecastSourceChoice; modelVersion: string | null },
  ): Promise<ScopeForecast> {
    const asOf = catalog.asOf as string;
    const model = this.insights.model;
    const firstDate = catalog.firstDate ?? asOf;
    const historyFrom =
      daysBetween(firstDate, asOf) > FORECAST_HISTORY_DAYS
        ? addDays(asOf, 1 - FORECAST_HISTORY_DAYS)
        : firstDate;
    const scoped: InsightFilters = {
      from: historyFrom,
      to: asOf,
      sites: scope.site_id ? [scope.site_id] : undefined,
      assets: scope.asset_id ? [scope.asset_id] : undefined,
      products: [scope.product_id],
      allowedSites: filters.allowedSites,
    };
    const subject = `${scope.site_id ? `site ${scope.site_id}` : `asset ${scope.asset_id}`} (${scope.product_id})`;
    const unit = catalog.products.find((product) => product.id === scope.product_id)?.unit ?? '';
    const useWarehouse =
      request.modelVersion !== null &&
      (request.source === 'warehouse' ||
        (request.source === 'auto' && request.interval === WAREHOUSE_INTERVAL));

    const [history, warehouseForecast] = await Promise.all([
      readScopeSeries(this.warehouse, model, scoped),
      useWarehouse
        ? this.readWarehouseForecast(scoped, asOf, request.horizon, request.modelVersion as string)
        : Promise.resolve(null),
    ]);
    const common = {
      horizon: request.horizon,
      unit,
      scope,
      history_days: history.points.length,
    };
    const notes: string[] = [];
    if (warehouseForecast?.covered) {
      const backtest = await this.scoreWarehouse(
        scoped,
        asOf,
        history.points,
        warehouseForecast,
        request.modelVersion as string,
      );
      return {
        ...common,
        source: 'warehouse',
        model: 'warehouse',
        model_version: request.modelVersion,
        fitted_at: warehouseForecast.generatedAt,
        interval: WAREHOUSE_INTERVAL,
        points: warehouseForecast.points,
        backtest: backtest.value,
        shut_in: shutInSummary(history.points),
        notes,
        query_ids: [history.queryId, ...warehouseForecast.queryIds, backtest.queryId],
      };
    }
    if (request.source === 'warehouse') {
      throw new DomainError(
        'unprocessable',
        request.modelVersion === null
          ? 'No warehouse forecast is loaded (FORECAST_DAILY is empty); use source=builtin or auto.'
          : `The warehouse forecast ${request.modelVersion} does not cover every active asset of ${subject} on each of the ${request.horizon} days after ${asOf}; use source=builtin or auto.`,
        { param: 'source' },
      );
    }
    if (request.source === 'auto') {
      notes.push(
        request.modelVersion === null
          ? 'No warehouse forecast is loaded; built-in model used.'
          : request.interval !== WAREHOUSE_INTERVAL
            ? `Warehouse forecasts carry P10/P90 only; built-in model used for interval ${request.interval}.`
            : `The warehouse forecast ${request.modelVersion} does not cover the ${request.horizon} days after ${asOf}; built-in model used.`,
      );
    }
    const builtin = await this.fitBuiltin(history.points, asOf, request, subject);
    return {
      ...common,
      source: 'builtin',
      model: builtin.result.model,
      model_version: null,
      fitted_at: builtin.result.fittedAt,
      interval: request.interval,
      points: builtin.points,
      backtest: {
        method: 'builtin_in_sample',
        mase: nullIfNaN(builtin.result.backtest.mase),
        smape: nullIfNaN(builtin.result.backtest.smape),
        bias: nullIfNaN(builtin.result.backtest.bias),
        coverage: nullIfNaN(builtin.result.backtest.coverage),
        horizon_days: builtin.result.backtest.horizonDays,
        origins: builtin.result.backtest.origins,
        days: null,
      },
      shut_in: {
        current: builtin.result.shutIn.current,
        current_run_days: builtin.result.shutIn.currentRunDays,
        historical_fraction: builtin.result.shutIn.historicalFraction,
      },
      notes: [...notes, ...builtin.notes],
      query_ids: [history.queryId],
    };
  }

  /**
   * Fits the built-in models. A series that ends before `as_of` is forecast over the gap as well, and the
   * gap is dropped, so the points always start the day after `as_of`.
   */
  private async fitBuiltin(
    points: readonly DailyPoint[],
    asOf: string,
    request: { horizon: number; interval: number },
    subject: string,
  ): Promise<{ result: ForecastResult; points: ScopeForecastPoint[]; notes: string[] }> {
    if (points.length === 0) {
      throw new DomainError('unprocessable', `Cannot forecast ${subject}: it has no production data.`, {
        reason: 'series_too_short',
      });
    }
    const lastDate = points[points.length - 1]!.date;
    const gap = daysBetween(lastDate, asOf) - 1;
    if (request.horizon + gap > HORIZON_RANGE.max) {
      throw new DomainError(
        'unprocessable',
        `Cannot forecast ${subject}: its data ends on ${lastDate}, ${gap} days before ${asOf}; a forecast reaches at most ${HORIZON_RANGE.max} days past the last data.`,
        { reason: 'series_stale', last_date: lastDate },
      );
    }
    const [item] = await forecastMany([{ id: subject, points }], {
      horizon: request.horizon + gap,
      interval: request.interval,
    });
    if (!item?.result) throw toDomainError(item?.error as ForecastInputError, subject);
    return {
      result: item.result,
      points: item.result.points.slice(gap).map((point) => ({
        date: point.date,
        p10: roundVolume(point.p10),
        p50: roundVolume(point.p50),
        p90: roundVolume(point.p90),
        lower: roundVolume(point.lower),
        upper: roundVolume(point.upper),
      })),
      notes:
        gap > 0 ? [`The data of ${subject} ends on ${lastDate}; the forecast starts after ${asOf}.`] : [],
    };
  }

  /** Active assets of the scope (production in the last 90 days), and whether their rows cover the horizon. */
  private async readWarehouseForecast(
    scoped: InsightFilters,
    asOf: string,
    horizon: number,
    modelVersion: string,
  ): Promise<{
    covered: boolean;
    activeAssets: string[];
    points: ScopeForecastPoint[];
    generatedAt: string;
    queryIds: string[];
  }> {
    const activeQuery = compileProductionAggregate(this.insights.model, ['actual_volume'], ['asset'], {
      ...scoped,
      from: addDays(asOf, 1 - ACTIVE_WINDOW_DAYS),
    });
    const active = await this.warehouse.query<{ asset: string; actual_volume: number | null }>(
      activeQuery.sql,
      activeQuery.params,
    );
    const activeAssets = active.rows.filter((row) => row.actual_volume !== null).map((row) => row.asset);
    const empty = { covered: false, activeAssets, points: [], generatedAt: '', queryIds: [active.queryId] };
    if (activeAssets.length === 0) return empty;
    const query = compileScopeForecast(
      this.insights.model,
      { ...scoped, from: addDays(asOf, 1), to: addDays(asOf, horizon), assets: activeAssets },
      modelVersion,
    );
    const result = await this.warehouse.query<WarehouseForecastRow>(query.sql, query.params);
    const complete = result.rows.filter((row) => Number(row.assets) === activeAssets.length);
    const queryIds = [active.queryId, result.queryId];
    if (complete.length !== horizon) return { ...empty, queryIds };
    return {
      covered: true,
      activeAssets,
      points: complete.map((row) => {
        const [p10, p50, p90] = [row.p10, row.p50, row.p90]
          .map(roundVolume)
          .sort((left, right) => left - right) as [number, number, number];
        return { date: row.date, p10, p50, p90, lower: p10, upper: p90 };
      }),
      generatedAt: complete.reduce(
        (latest, row) => (row.generated_at && row.generated_at > latest ? row.generated_at : latest),
        '',
      ),
      queryIds,
    };
  }

  /** Compares the warehouse rows dated within the last year of history with the actuals of those days. */
  private async scoreWarehouse(
    scoped: InsightFilters,
    asOf: string,
    history: readonly DailyPoint[],
    forecast: { activeAssets: string[] },
    modelVersion: string,
  ): Promise<{ value: ForecastBacktest | null; queryId: string }> {
    const from = addDays(asOf, 1 - WAREHOUSE_SCORE_DAYS);
    const query = compileScopeForecast(
      this.insights.model,
      {
        ...scoped,
        from: [from, scoped.from].sort().at(-1) as string,
        to: asOf,
        assets: forecast.activeAssets,
      },
      modelVersion,
    );
    const result = await this.warehouse.query<WarehouseForecastRow>(query.sql, query.params);
    const actualByDate = new Map(history.map((point) => [point.date, point.value]));
    const scored = result.rows.filter(
      (row) => Number(row.assets) === forecast.activeAssets.length && actualByDate.has(row.date),
    );
    const scale = naiveScaleOf(history);
    if (scored.length === 0 || !(scale > 0)) return { value: null, queryId: result.queryId };
    const accumulator = new AccuracyAccumulator();
    accumulator.addOrigin(
      scored.map((row) => actualByDate.get(row.date)!),
      scored.map((row) => row.p50),
      scored.map((row) => Math.min(row.p10, row.p90)),
      scored.map((row) => Math.max(row.p10, row.p90)),
      scale,
    );
    const metrics = accumulator.result();
    const value: ForecastBacktest = {
      method: 'warehouse_vs_actuals',
      mase: nullIfNaN(metrics.mase),
      smape: nullIfNaN(metrics.smape),
      bias: nullIfNaN(metrics.bias),
      coverage: nullIfNaN(metrics.coverage),
      horizon_days: null,
      origins: null,
      days: metrics.days,
    };
    return { value, queryId: result.queryId };
  }
}
