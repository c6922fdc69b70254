import { createHash } from 'node:crypto';
import type { Warehouse } from '../../ports/warehouse.js';
import { addDays, toEpochDay } from '../dates.js';
import { DomainError } from '../errors.js';
import {
  type CandidateScore,
  type DailyPoint,
  type ExternalCandidate,
  type ForecastInputError,
  forecastMany,
  HORIZON_RANGE,
  type QuantileTriple,
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

/** Days before `as_of` whose warehouse rows are read to score them against the built-in models. */
const WAREHOUSE_SCORE_DAYS = 365 + HORIZON_RANGE.max + 30;

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
 * Out-of-sample accuracy of the chosen candidate on the selection origins (`selection_out_of_sample`):
 * every forecast used only the days before its origin, the interval's ratios came from the other half of
 * the origins. The choice was made on the same origins, so the figure is slightly optimistic.
 */
export interface ForecastBacktest {
  method: 'selection_out_of_sample';
  mase: number | null;
  smape: number | null;
  bias: number | null;
  coverage: number | null;
  horizon_days: number | null;
  origins: number | null;
  days: number | null;
}

/** One candidate of the model choice, scored like every other on the same origins. */
export interface ForecastCandidate {
  /** `naive`, `seasonal_naive`, `ets`, `arps`, `combination`, or `warehouse`. */
  model: string;
  source: ForecastSource;
  /** MASE of the P50 volume over days 1..horizon, mean over the origins (lower is better); null when not scored. */
  mase: number | null;
  /** Share of actual days inside the candidate's calibrated interval on those origins. */
  coverage: number | null;
  /** Warehouse only: share of actual days inside P10–P90 as issued. */
  issued_coverage: number | null;
  origins: number;
  eligible: boolean;
  note: string | null;
}

/** Why the model was chosen. */
export interface ForecastSelection {
  chosen: string;
  reason: string;
  metric: 'mase_1_to_h';
  horizon_days: number;
  origins: number;
  first_origin: string | null;
  last_origin: string | null;
  candidates: ForecastCandidate[];
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
  /** Last day with data of this scope: the forecast starts the day after (earlier than the warehouse's for a series that ended). */
  as_of: string;
  /** From the day after `as_of`, one per day. */
  points: ScopeForecastPoint[];
  /** How lower/upper were obtained: `conformal` (out-of-sample ratios per horizon band) or `as_issued` (warehouse band not verifiable). */
  interval_calibration: 'conformal' | 'as_issued';
  selection: ForecastSelection;
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

/** A row of {@link compileScopeForecast}. */
export interface WarehouseForecastRow extends Record<string, unknown> {
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
 * Compiles the per-date, per-`generated_at` sums of P10/P50/P90 of one FORECAST_DAILY model version over
 * the filtered assets, with the number of assets that have a complete row in that vintage and date.
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
    `SELECT ${alias}.date AS date, ${alias}.generated_at AS generated_at,`,
    `SUM(${alias}.p10) AS p10, SUM(${alias}.p50) AS p50, SUM(${alias}.p90) AS p90,`,
    `COUNT(DISTINCT ${alias}.asset_id) AS assets`,
    `FROM ${forecast.table} ${alias}`,
    `JOIN ${assets.table} ${assets.alias} ON a.asset_id = ${alias}.asset_id`,
    `WHERE ${where.sql} AND ${alias}.model_version = ?`,
    `AND ${alias}.p10 IS NOT NULL AND ${alias}.p50 IS NOT NULL AND ${alias}.p90 IS NOT NULL`,
    `GROUP BY ${alias}.date, ${alias}.generated_at ORDER BY ${alias}.date, ${alias}.generated_at`,
  ].join(' ');
  return { sql, params: [...where.params, modelVersion] };
}

/** One vintage of a date: the sums over the active assets and the day it was generated. */
interface Vintage {
  generatedDay: number;
  generatedAt: string;
  p10: number;
  p50: number;
  p90: number;
}

/**
 * The warehouse forecast as a candidate of the model choice: for an origin, each day takes the latest
 * vintage generated before the origin's day (a row generated on or after the day it forecasts is a
 * hindcast and never counts). Only vintages with a row for every active asset are used.
 */
export function warehouseCandidate(
  rows: readonly WarehouseForecastRow[],
  activeAssets: number,
  startDay: number,
): ExternalCandidate & { generatedAtFor(origin: number, steps: number): string } {
  const byDay = new Map<number, Vintage[]>();
  for (const row of rows) {
    if (Number(row.assets) !== activeAssets || row.generated_at === null) continue;
    const generatedAt = String(row.generated_at);
    const generatedDay = toEpochDay(generatedAt.slice(0, 10));
    const [p10, p50, p90] = [Number(row.p10), Number(row.p50), Number(row.p90)].sort((x, y) => x - y) as [
      number,
      number,
      number,
    ];
    const day = toEpochDay(String(row.date).slice(0, 10));
    const list = byDay.get(day) ?? [];
    list.push({ generatedDay, generatedAt, p10, p50, p90 });
    byDay.set(day, list);
  }
  for (const list of byDay.values()) list.sort((x, y) => x.generatedAt.localeCompare(y.generatedAt));
  const vintageFor = (day: number, originDay: number): Vintage | undefined => {
    const list = byDay.get(day);
    if (!list) return undefined;
    for (let index = list.length - 1; index >= 0; index--) {
      if (list[index]!.generatedDay < originDay) return list[index];
    }
    return undefined;
  };
  return {
    name: 'warehouse',
    pathAt(origin: number, steps: number): QuantileTriple | null {
      const originDay = startDay + origin;
      const triple = {
        p10: new Float64Array(steps),
        p50: new Float64Array(steps),
        p90: new Float64Array(steps),
      };
      for (let step = 0; step < steps; step++) {
        const vintage = vintageFor(originDay + step, originDay);
        if (!vintage) return null;
        triple.p10[step] = vintage.p10;
        triple.p50[step] = vintage.p50;
        triple.p90[step] = vintage.p90;
      }
      return triple;
    },
    generatedAtFor(origin: number, steps: number): string {
      let latest = '';
      for (let step = 0; step < steps; step++) {
        const vintage = vintageFor(startDay + origin + step, startDay + origin);
        if (vintage && vintage.generatedAt > latest) latest = vintage.generatedAt;
      }
      return latest;
    },
  };
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

function toCandidate(candidate: CandidateScore): ForecastCandidate {
  return {
    model: candidate.model,
    source: candidate.source === 'external' ? 'warehouse' : 'builtin',
    mase: candidate.score,
    coverage: candidate.coverage,
    issued_coverage: candidate.issuedCoverage,
    origins: candidate.origins,
    eligible: candidate.eligible,
    note: candidate.note ?? null,
  };
}

/**
 * Forecasts of one site or one asset and product, for `GET /insights/forecast`, from the day after the
 * scope's own last day with data. Candidates: the built-in models fitted on the scope's summed series (see
 * {@link readScopeSeries}) and, unless `source=builtin`, the FORECAST_DAILY rows of the configured model
 * version summed over the active assets ({@link warehouseCandidate}); all are scored out of sample on the
 * same origins and the lowest MASE wins (`source=warehouse` serves the warehouse rows whatever their
 * score). Results are cached per data version, model version, scope, product, horizon, interval and
 * source; concurrent identical requests share one computation. A fit runs through `forecastMany`, which
 * computes it in slices and yields to the event loop every 8 ms of work.
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
   * `unprocessable` (no warehouse rows for `source=warehouse`, series without rows or too short).
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
    const model = this.insights.model;
    const subject = `${scope.site_id ? `site ${scope.site_id}` : `asset ${scope.asset_id}`} (${scope.product_id})`;
    const unit = catalog.products.find((product) => product.id === scope.product_id)?.unit ?? '';
    const scoped: InsightFilters = {
      from: catalog.firstDate ?? (catalog.asOf as string),
      to: catalog.asOf as string,
      sites: scope.site_id ? [scope.site_id] : undefined,
      assets: scope.asset_id ? [scope.asset_id] : undefined,
      products: [scope.product_id],
      allowedSites: filters.allowedSites,
    };
    const full = await readScopeSeries(this.warehouse, model, scoped);
    if (full.points.length === 0) {
      throw new DomainError(
        'unprocessable',
        `Cannot forecast ${subject}: it has no ${scope.product_id} rows in the warehouse (data from ${scoped.from} to ${scoped.to}).`,
        { reason: 'series_too_short' },
      );
    }
    const asOf = full.points[full.points.length - 1]!.date;
    const historyFrom = addDays(asOf, 1 - FORECAST_HISTORY_DAYS);
    const points = full.points.filter((point) => point.date >= historyFrom);
    const notes: string[] = [];
    if (asOf < (catalog.asOf as string)) {
      notes.push(
        `The data of ${subject} ends on ${asOf}, before the warehouse's last day ${catalog.asOf}; the forecast starts on ${addDays(asOf, 1)}.`,
      );
    }
    const warehouse =
      request.modelVersion !== null && request.source !== 'builtin'
        ? await this.readWarehouseForecast({ ...scoped, to: asOf }, asOf, points, request.modelVersion)
        : null;
    if (
      request.source === 'warehouse' &&
      !warehouse?.candidate.pathAt(toEpochDay(asOf) + 1 - toEpochDay(points[0]!.date), request.horizon)
    ) {
      throw new DomainError(
        'unprocessable',
        request.modelVersion === null
          ? 'No warehouse forecast is loaded (FORECAST_DAILY is empty); use source=builtin or auto.'
          : `The warehouse forecast ${request.modelVersion} does not cover every active asset of ${subject} on each of the ${request.horizon} days after ${asOf}; use source=builtin or auto.`,
        { param: 'source' },
      );
    }
    if (request.source === 'auto' && request.modelVersion === null) {
      notes.push('No warehouse forecast is loaded; only the built-in models compete.');
    }
    const [item] = await forecastMany([{ id: subject, points }], {
      horizon: request.horizon,
      interval: request.interval,
      external: warehouse ? [warehouse.candidate] : undefined,
      forceExternal: request.source === 'warehouse' ? 'warehouse' : undefined,
    });
    if (!item?.result) throw toDomainError(item?.error as ForecastInputError, subject);
    const result = item.result;
    const fromWarehouse = result.external;
    if (fromWarehouse && result.intervalCalibration === 'as_issued') {
      notes.push(
        `The warehouse forecast ${request.modelVersion} cannot be scored out of sample (too few rows generated before the days they forecast), so its P10–P90 band is served as issued and unverified.`,
      );
    }
    const warehouseScore = result.candidates.find((candidate) => candidate.source === 'external');
    if (
      warehouseScore?.issuedCoverage != null &&
      result.intervalCalibration === 'conformal' &&
      fromWarehouse
    ) {
      notes.push(
        `The warehouse P10–P90 band as issued covered ${(warehouseScore.issuedCoverage * 100).toFixed(1)} % of actual days out of sample; lower/upper are re-calibrated (split-conformal) to the requested ${request.interval} interval.`,
      );
    }
    const startDay = toEpochDay(points[0]!.date);
    const length = toEpochDay(asOf) - startDay + 1;
    return {
      source: fromWarehouse ? 'warehouse' : 'builtin',
      model: result.model,
      model_version: fromWarehouse ? request.modelVersion : null,
      fitted_at:
        fromWarehouse && warehouse
          ? warehouse.candidate.generatedAtFor(length, request.horizon)
          : result.fittedAt,
      horizon: request.horizon,
      interval: request.interval,
      unit,
      scope,
      as_of: asOf,
      points: result.points.map((point) => ({
        date: point.date,
        p10: roundVolume(point.p10),
        p50: roundVolume(point.p50),
        p90: roundVolume(point.p90),
        lower: roundVolume(point.lower),
        upper: roundVolume(point.upper),
      })),
      interval_calibration: result.intervalCalibration,
      selection: {
        chosen: result.selection.chosen,
        reason: result.selection.reason,
        metric: result.selection.metric,
        horizon_days: result.selection.horizonDays,
        origins: result.selection.origins,
        first_origin: result.selection.firstOrigin,
        last_origin: result.selection.lastOrigin,
        candidates: result.candidates.map(toCandidate),
      },
      backtest: {
        method: 'selection_out_of_sample',
        mase: nullIfNaN(result.backtest.mase),
        smape: nullIfNaN(result.backtest.smape),
        bias: nullIfNaN(result.backtest.bias),
        coverage: nullIfNaN(result.backtest.coverage),
        horizon_days: result.backtest.horizonDays,
        origins: result.backtest.origins,
        days: null,
      },
      history_days: points.length,
      shut_in: {
        current: result.shutIn.current,
        current_run_days: result.shutIn.currentRunDays,
        historical_fraction: result.shutIn.historicalFraction,
      },
      notes,
      query_ids: [full.queryId, ...(warehouse?.queryIds ?? [])],
    };
  }

  /**
   * Reads the rows of the model version for the scope's active assets (production in the 90 days before
   * `as_of`) from a year and a half before `as_of` to 180 days after, every vintage kept.
   */
  private async readWarehouseForecast(
    scoped: InsightFilters,
    asOf: string,
    points: readonly DailyPoint[],
    modelVersion: string,
  ): Promise<{ candidate: ReturnType<typeof warehouseCandidate>; queryIds: string[] } | null> {
    const activeQuery = compileProductionAggregate(this.insights.model, ['actual_volume'], ['asset'], {
      ...scoped,
      from: addDays(asOf, 1 - ACTIVE_WINDOW_DAYS),
    });
    const active = await this.warehouse.query<{ asset: string; actual_volume: number | null }>(
      activeQuery.sql,
      activeQuery.params,
    );
    const activeAssets = active.rows.filter((row) => row.actual_volume !== null).map((row) => row.asset);
    if (activeAssets.length === 0) return null;
    const query = compileScopeForecast(
      this.insights.model,
      {
        ...scoped,
        from: addDays(asOf, -WAREHOUSE_SCORE_DAYS),
        to: addDays(asOf, HORIZON_RANGE.max),
        assets: activeAssets,
      },
      modelVersion,
    );
    const result = await this.warehouse.query<WarehouseForecastRow>(query.sql, query.params);
    return {
      candidate: warehouseCandidate(result.rows, activeAssets.length, toEpochDay(points[0]!.date)),
      queryIds: [active.queryId, result.queryId],
    };
  }
}
