import { mixtureQuantile, ResidualCalibrator } from './calibration.js';
import { ForecastInputError } from './errors.js';
import { AccuracyAccumulator, naiveScale } from './metrics.js';
import type { ArpsModelOptions } from './models/arps.js';
import { createArpsModel } from './models/arps.js';
import { etsModel } from './models/ets.js';
import type { ModelContext, RateModel } from './models/model.js';
import { naiveModel, seasonalNaiveModel } from './models/naive.js';
import { detectWeeklySeasonality } from './seasonality.js';
import type { PreparedSeries } from './series.js';
import { DayStatus } from './series.js';
import type { CandidateScore, InSampleBacktest, ModelName } from './types.js';
import type { UptimeModel, UptimeModelOptions } from './uptime.js';
import { currentSpell, fitUptimeModel, producingProbabilities } from './uptime.js';

/** Default length of the calibration window, in days. */
export const DEFAULT_CALIBRATION_WINDOW = 365;
/** Default spacing of calibration origins, in days. */
export const DEFAULT_CALIBRATION_STEP = 3;
/** Fewest usable (producing, long enough uptime) days before any forecast origin. */
export const MIN_USABLE_DAYS = 14;
/** Days of history tested for a weekly pattern. */
const SEASONALITY_WINDOW = 365;
/** Days between the calibration origins scored for the in-sample backtest. */
const IN_SAMPLE_SPACING = 7;
/** Cap on the ratio actual / forecast recorded for calibration (one absurd day must not widen everything). */
const MAX_RATIO = 10;

/** Tuning of the forecasting engine; defaults are the documented ones. */
export interface EngineOptions {
  /** Horizons to select and calibrate for (days, ascending). */
  horizons: readonly number[];
  /** Central interval probability, e.g. 0.8 for P10–P90. */
  interval: number;
  models: readonly ModelName[];
  /** Days before the end of the history that hold calibration origins (default 365). */
  calibrationWindow?: number;
  /** Days between calibration origins (default 3). */
  calibrationStep?: number;
  /** Also score the selected model on the calibration origins (for `ForecastResult.backtest`). */
  inSampleBacktest?: boolean;
  uptime?: UptimeModelOptions;
  arps?: ArpsModelOptions;
}

/** Quantile paths of one forecast, one entry per day ahead. */
export interface QuantilePaths {
  p10: Float64Array;
  p50: Float64Array;
  p90: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/** Engine output for one horizon. */
export interface HorizonForecast {
  horizon: number;
  model: ModelName;
  candidates: CandidateScore[];
  /** Full-day rate forecast of the selected model. */
  rateForecast: Float64Array;
  producingProbability: Float64Array;
  quantiles: QuantilePaths;
  inSample: InSampleBacktest | null;
}

/** Engine output for a series. */
export interface EngineResult {
  weeklySeasonality: boolean;
  uptime: UptimeModel;
  calibrationOrigins: number;
  forecasts: HorizonForecast[];
}

/** Builds the rate models by name. */
export function createModels(options: { arps?: ArpsModelOptions } = {}): Record<ModelName, RateModel> {
  return {
    naive: naiveModel,
    seasonal_naive: seasonalNaiveModel,
    ets: etsModel,
    arps: createArpsModel(options.arps),
  };
}

function usableIndexAfter(rates: Float64Array, count: number): number {
  let seen = 0;
  for (let index = 0; index < rates.length; index++) {
    if (!Number.isNaN(rates[index]!)) {
      seen++;
      if (seen === count) return index + 1;
    }
  }
  return -1;
}

/** Calibration origins: every `step` days over the last `window` days, once enough history exists. */
function calibrationOriginsOf(series: PreparedSeries, window: number, step: number): number[] {
  const earliest = usableIndexAfter(series.rates, MIN_USABLE_DAYS);
  const origins: number[] = [];
  if (earliest < 0) return origins;
  for (let origin = series.length - 1; origin >= Math.max(earliest, series.length - window); origin -= step) {
    origins.push(origin);
  }
  return origins.reverse();
}

/** Mean absolute change between consecutive usable rates before `end`: the selection scale. */
function rateScale(rates: Float64Array, end: number): number {
  let previous = Number.NaN;
  let sum = 0;
  let count = 0;
  for (let index = 0; index < end; index++) {
    const rate = rates[index]!;
    if (Number.isNaN(rate)) continue;
    if (!Number.isNaN(previous)) {
      sum += Math.abs(rate - previous);
      count++;
    }
    previous = rate;
  }
  return count > 0 && sum > 0 ? sum / count : 1;
}

/** Central-interval quantile levels, e.g. 0.8 → 0.1 and 0.9. */
export function intervalLevels(interval: number): { lower: number; upper: number } {
  const lower = Math.round(((1 - interval) / 2) * 1e9) / 1e9;
  return { lower, upper: 1 - lower };
}

/**
 * Quantiles of the day volume: shut-in (0) with probability 1 − p, otherwise the rate forecast times the
 * calibrated producing-day ratio distribution of that horizon band.
 */
function quantilePaths(
  rateForecast: ArrayLike<number>,
  producing: ArrayLike<number>,
  calibrator: ResidualCalibrator,
  interval: number,
  horizon: number,
): QuantilePaths {
  const { lower, upper } = intervalLevels(interval);
  const paths: QuantilePaths = {
    p10: new Float64Array(horizon),
    p50: new Float64Array(horizon),
    p90: new Float64Array(horizon),
    lower: new Float64Array(horizon),
    upper: new Float64Array(horizon),
  };
  for (let step = 1; step <= horizon; step++) {
    const rate = Math.max(rateForecast[step - 1]!, 0);
    const probability = producing[step - 1]!;
    const whenProducing = (level: number): number => rate * calibrator.quantile(step, level, 1);
    paths.p10[step - 1] = mixtureQuantile(0.1, probability, whenProducing);
    paths.p50[step - 1] = mixtureQuantile(0.5, probability, whenProducing);
    paths.p90[step - 1] = mixtureQuantile(0.9, probability, whenProducing);
    paths.lower[step - 1] = mixtureQuantile(lower, probability, whenProducing);
    paths.upper[step - 1] = mixtureQuantile(upper, probability, whenProducing);
  }
  return paths;
}

interface RolledModel {
  name: ModelName;
  paths: (Float64Array | null)[];
  eligible: boolean;
}

/** Mean absolute scaled error of each candidate's rate forecasts over steps 1..horizon. */
function scoreCandidates(
  rolled: readonly RolledModel[],
  origins: readonly number[],
  rates: Float64Array,
  horizon: number,
  scale: number,
): CandidateScore[] {
  return rolled.map(({ name, paths, eligible }) => {
    if (!eligible) return { model: name, score: Number.POSITIVE_INFINITY };
    let sum = 0;
    let count = 0;
    origins.forEach((origin, originIndex) => {
      const path = paths[originIndex]!;
      for (let step = 1; step <= horizon && origin + step - 1 < rates.length; step++) {
        const actual = rates[origin + step - 1]!;
        if (Number.isNaN(actual)) continue;
        sum += Math.abs(actual - path[step - 1]!);
        count++;
      }
    });
    return { model: name, score: count > 0 ? sum / count / scale : Number.POSITIVE_INFINITY };
  });
}

/** Producing-day ratios actual volume / rate forecast of the chosen model, per step. */
function calibrate(
  paths: readonly (Float64Array | null)[],
  origins: readonly number[],
  series: PreparedSeries,
  horizon: number,
): ResidualCalibrator {
  const calibrator = new ResidualCalibrator();
  origins.forEach((origin, originIndex) => {
    const path = paths[originIndex];
    if (!path) return;
    for (let step = 1; step <= horizon && origin + step - 1 < series.length; step++) {
      const day = origin + step - 1;
      const forecast = path[step - 1]!;
      if (series.status[day] !== DayStatus.producing || !(forecast > 0)) continue;
      calibrator.add(step, Math.min(series.values[day]! / forecast, MAX_RATIO));
    }
  });
  return calibrator;
}

/**
 * Scores the full forecast (rate × shut-in mixture × calibration) on calibration origins a week apart,
 * with the spell hazards of the whole history (in-sample: a health indicator, not a holdout score).
 */
function scoreInSample(
  paths: readonly (Float64Array | null)[],
  origins: readonly number[],
  series: PreparedSeries,
  calibrator: ResidualCalibrator,
  uptime: UptimeModel,
  interval: number,
  horizon: number,
): InSampleBacktest {
  const accumulator = new AccuracyAccumulator();
  let lastScored = Number.NEGATIVE_INFINITY;
  origins.forEach((origin, originIndex) => {
    const path = paths[originIndex];
    const steps = Math.min(horizon, series.length - origin);
    if (!path || steps <= 0 || origin - lastScored < IN_SAMPLE_SPACING) return;
    lastScored = origin;
    const scale = naiveScale(series.values, origin);
    if (!(scale > 0)) return;
    const spell = currentSpell(series.status, origin);
    const producing = producingProbabilities(
      { ...uptime, currentlyProducing: spell.producing, currentAge: spell.age },
      steps,
    );
    const quantiles = quantilePaths(path, producing, calibrator, interval, steps);
    const actuals = series.values.subarray(origin, origin + steps);
    accumulator.addOrigin(actuals, quantiles.p50, quantiles.lower, quantiles.upper, scale);
  });
  const metrics = accumulator.result();
  return {
    mase: metrics.mase,
    smape: metrics.smape,
    bias: metrics.bias,
    coverage: metrics.coverage,
    horizonDays: horizon,
    origins: metrics.origins,
  };
}

/**
 * The forecasting pipeline for one series whose history is `series` (the forecast starts the day after
 * its last day). Per horizon: every candidate rate model is run from each calibration origin (the last
 * `calibrationWindow` days, every `calibrationStep` days, parameters fitted before the first origin);
 * the lowest scaled MAE on producing days over steps 1..horizon wins; the winner's producing-day ratios
 * actual/forecast give the calibrated quantiles; the shut-in chain gives the probability of producing.
 * Throws `series_too_short` without enough producing history.
 */
export function runEngine(series: PreparedSeries, options: EngineOptions): EngineResult {
  const { rates, status, length } = series;
  const maxHorizon = options.horizons[options.horizons.length - 1]!;
  const origins = calibrationOriginsOf(
    series,
    Math.max(options.calibrationWindow ?? DEFAULT_CALIBRATION_WINDOW, maxHorizon + 30),
    options.calibrationStep ?? DEFAULT_CALIBRATION_STEP,
  );
  if (origins.length === 0) {
    throw new ForecastInputError(
      'series_too_short',
      `the series needs more than ${MIN_USABLE_DAYS} producing days (with at least 6 hours on stream when hours are given) to fit; it has ${
        rates.filter((rate) => !Number.isNaN(rate)).length
      }`,
      { minimumProducingDays: MIN_USABLE_DAYS + 1 },
    );
  }
  const seasonality = detectWeeklySeasonality(rates, Math.max(0, length - SEASONALITY_WINDOW), length);
  const context: ModelContext = { weeklySeasonality: seasonality.detected };
  const models = createModels(options);
  const scale = rateScale(rates, origins[0]!);
  const rolled: RolledModel[] = options.models.map((name) => {
    const paths = models[name].rolling(rates, origins, maxHorizon, context);
    return { name, paths, eligible: paths.every((path) => path !== null) };
  });

  const uptime = fitUptimeModel(status, length, options.uptime);
  const producing = producingProbabilities(uptime, maxHorizon);
  const finalForecasts = new Map<ModelName, Float64Array>();
  const finalForecast = (name: ModelName): Float64Array => {
    let forecast = finalForecasts.get(name);
    if (!forecast) {
      forecast =
        models[name].rolling(rates, [length], maxHorizon, context)[0] ??
        naiveModel.rolling(rates, [length], maxHorizon, context)[0]!;
      finalForecasts.set(name, forecast);
    }
    return forecast;
  };

  const forecasts = options.horizons.map((horizon): HorizonForecast => {
    const candidates = scoreCandidates(rolled, origins, rates, horizon, scale);
    let chosen = -1;
    candidates.forEach((candidate, index) => {
      if (Number.isFinite(candidate.score) && (chosen < 0 || candidate.score < candidates[chosen]!.score)) {
        chosen = index;
      }
    });
    const model = chosen >= 0 ? rolled[chosen]!.name : 'naive';
    const paths =
      chosen >= 0 ? rolled[chosen]!.paths : naiveModel.rolling(rates, origins, maxHorizon, context);
    const calibrator = calibrate(paths, origins, series, horizon);
    const rateForecast = finalForecast(model).slice(0, horizon);
    const producingProbability = producing.slice(0, horizon);
    return {
      horizon,
      model,
      candidates,
      rateForecast,
      producingProbability,
      quantiles: quantilePaths(rateForecast, producingProbability, calibrator, options.interval, horizon),
      inSample: options.inSampleBacktest
        ? scoreInSample(paths, origins, series, calibrator, uptime, options.interval, horizon)
        : null,
    };
  });

  return { weeklySeasonality: seasonality.detected, uptime, calibrationOrigins: origins.length, forecasts };
}
