import { fromDayNumber } from './calendar.js';
import type { EngineOptions, EngineResult } from './engine.js';
import { runEngine, runEngineAsync } from './engine.js';
import { ForecastInputError } from './errors.js';
import type { PreparedSeries, SeriesPreparationOptions } from './series.js';
import { prepareSeries } from './series.js';
import type { DailyPoint, ForecastOptions, ForecastPoint, ForecastResult } from './types.js';
import { validateHorizon, validateInterval, validateModels } from './validation.js';

/** Advanced tuning shared by `forecastSeries` and `runBacktest` (defaults are the documented ones). */
export interface ForecastTuning {
  engine?: Partial<Omit<EngineOptions, 'horizons' | 'interval' | 'models' | 'everyCandidate'>>;
  preparation?: SeriesPreparationOptions;
}

/**
 * Forecasts a daily production series `horizon` days past its last date with P10/P50/P90 (and the
 * requested central interval). The model is selected by rolling-origin backtest over the last year of the
 * history; shut-in days are modelled as a separate on/off process (see docs/forecasting.md).
 * Throws `ForecastInputError` (horizon_out_of_range, interval_out_of_range, unknown_model, invalid_date,
 * duplicate_date, invalid_value, series_too_short, series_too_long).
 */
export function forecastSeries(
  points: readonly DailyPoint[],
  options: ForecastOptions,
  tuning: ForecastTuning = {},
): ForecastResult {
  const request = prepareRequest(points, options, tuning);
  return toResult(request, runEngine(request.series, request.engine));
}

/**
 * {@link forecastSeries} computed in slices that give the event loop a turn every `budgetMs` of work
 * (see `runEngineAsync`): the same result, without holding other requests for the whole fit.
 */
export async function forecastSeriesAsync(
  points: readonly DailyPoint[],
  options: ForecastOptions,
  tuning: ForecastTuning = {},
  budgetMs?: number,
): Promise<ForecastResult> {
  const request = prepareRequest(points, options, tuning);
  return toResult(request, await runEngineAsync(request.series, request.engine, budgetMs));
}

interface PreparedRequest {
  series: PreparedSeries;
  engine: EngineOptions;
  horizon: number;
  interval: number;
}

function prepareRequest(
  points: readonly DailyPoint[],
  options: ForecastOptions,
  tuning: ForecastTuning,
): PreparedRequest {
  const horizon = validateHorizon(options.horizon);
  const interval = validateInterval(options.interval ?? 0.8);
  const models = validateModels(options.models);
  const series = prepareSeries(points, tuning.preparation);
  return {
    series,
    horizon,
    interval,
    engine: {
      ...tuning.engine,
      horizons: [horizon],
      interval,
      models,
      external: options.external,
      forceExternal: options.forceExternal,
    },
  };
}

function toResult({ series, horizon, interval }: PreparedRequest, engine: EngineResult): ForecastResult {
  const result = engine.forecasts[0]!;
  const lastDay = series.startDay + series.length - 1;
  const forecastPoints: ForecastPoint[] = [];
  for (let step = 0; step < horizon; step++) {
    forecastPoints.push({
      date: fromDayNumber(lastDay + step + 1),
      p10: result.quantiles.p10[step]!,
      p50: result.quantiles.p50[step]!,
      p90: result.quantiles.p90[step]!,
      lower: result.quantiles.lower[step]!,
      upper: result.quantiles.upper[step]!,
      producingProbability: result.producingProbability[step]!,
    });
  }
  return {
    model: result.model,
    fittedAt: fromDayNumber(lastDay),
    horizon,
    interval,
    weeklySeasonality: engine.weeklySeasonality,
    shutIn: {
      current: !engine.uptime.currentlyProducing,
      currentRunDays: engine.uptime.currentlyProducing ? 0 : engine.uptime.currentAge,
      historicalFraction: engine.uptime.shutInFraction,
    },
    points: forecastPoints,
    candidates: result.candidates,
    selection: result.selection,
    external: result.external,
    intervalCalibration: result.intervalCalibration,
    backtest: result.selectionBacktest,
  };
}

/** One series of a batch forecast; `error` is set instead of `result` when that series' input is bad. */
export interface BatchForecastItem<Id> {
  id: Id;
  result?: ForecastResult;
  error?: ForecastInputError;
}

/**
 * Forecasts several series (e.g. the wells of a site) with {@link forecastSeriesAsync}, yielding to the
 * event loop within each fit and between series, so a large site never holds other requests for much more
 * than the slice budget (8 ms of work).
 * Input errors are reported per series; other errors propagate.
 */
export async function forecastMany<Id>(
  items: readonly { id: Id; points: readonly DailyPoint[] }[],
  options: ForecastOptions,
  tuning: ForecastTuning = {},
): Promise<BatchForecastItem<Id>[]> {
  const results: BatchForecastItem<Id>[] = [];
  for (const item of items) {
    try {
      results.push({ id: item.id, result: await forecastSeriesAsync(item.points, options, tuning) });
    } catch (error) {
      if (!(error instanceof ForecastInputError)) throw error;
      results.push({ id: item.id, error });
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return results;
}
