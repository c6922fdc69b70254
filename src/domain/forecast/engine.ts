import { performance } from 'node:perf_hooks';
import { fromDayNumber } from './calendar.js';
import { ResidualCalibrator } from './calibration.js';
import { ForecastInputError } from './errors.js';
import type { AccuracyMetrics } from './metrics.js';
import { AccuracyAccumulator, naiveScales } from './metrics.js';
import type { ArpsModelOptions } from './models/arps.js';
import { createArpsModel } from './models/arps.js';
import { COMBINATION_MEMBERS, combinationPaths } from './models/combination.js';
import { etsModel } from './models/ets.js';
import type { ModelContext, RateModel } from './models/model.js';
import { naiveModel, seasonalNaiveModel } from './models/naive.js';
import { detectWeeklySeasonality } from './seasonality.js';
import type { PreparedSeries } from './series.js';
import { DayStatus } from './series.js';
import { quantileSorted } from './stats.js';
import type { CandidateScore, ModelName, SelectionBacktest, SelectionSummary } from './types.js';
import type { UptimeModel, UptimeModelOptions } from './uptime.js';
import {
  currentSpell,
  fitUptimeModel,
  producingProbabilities,
  producingProbabilitiesBySpell,
} from './uptime.js';

/** Default length of the calibration window, in days. */
export const DEFAULT_CALIBRATION_WINDOW = 365;
/** Default spacing of calibration origins, in days. */
export const DEFAULT_CALIBRATION_STEP = 3;
/** Fewest usable (producing, long enough uptime) days before any forecast origin. */
export const MIN_USABLE_DAYS = 14;
/** Fewest selection origins on which an external candidate must have a forecast to be compared. */
export const MIN_EXTERNAL_ORIGINS = 8;
/** Days of history tested for a weekly pattern. */
const SEASONALITY_WINDOW = 365;
/** Cap on the ratio actual / forecast recorded for calibration (one absurd day must not widen everything). */
const MAX_RATIO = 10;
/** Origins processed between two yields of the engine's slices. */
const ORIGIN_SLICE = 16;

/**
 * A forecast made outside the engine (e.g. warehouse FORECAST_DAILY rows), offered as a candidate.
 * `pathAt(origin, steps)` returns the quantiles it had issued strictly before day index `origin` for days
 * `origin .. origin + steps − 1` (NaN where it has no row), or null when it had issued nothing usable.
 * Called with `origin = series.length` for the forecast itself.
 */
export interface ExternalCandidate {
  name: string;
  pathAt(origin: number, steps: number): QuantileTriple | null;
}

/** P10/P50/P90 paths of an external forecast. */
export interface QuantileTriple {
  p10: Float64Array;
  p50: Float64Array;
  p90: Float64Array;
}

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
  /** Also return the final quantiles of every candidate (the backtest scores each model family). */
  everyCandidate?: boolean;
  /** Forecasts from outside (warehouse) competing with the built-in models on the same origins. */
  external?: readonly ExternalCandidate[];
  /** Serve this external candidate whatever the scores (still scored and reported). */
  forceExternal?: string;
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
  /** The chosen candidate: a built-in model name or an external candidate's name. */
  model: string;
  /** Whether the chosen candidate is external. */
  external: boolean;
  /**
   * How the served interval was obtained: `conformal` (ratios actual / forecast on the selection origins,
   * per horizon band) or `as_issued` (an external band that could not be scored out of sample).
   */
  intervalCalibration: 'conformal' | 'as_issued';
  candidates: CandidateScore[];
  selection: SelectionSummary;
  /** Full-day rate forecast of the selected built-in model (the external P50 when an external one won). */
  rateForecast: Float64Array;
  producingProbability: Float64Array;
  quantiles: QuantilePaths;
  /** Out-of-sample score of the chosen candidate on the selection origins (cross-fitted calibration). */
  selectionBacktest: SelectionBacktest;
  /** Quantiles of every built-in candidate, when `everyCandidate` was asked. */
  everyCandidate?: Partial<Record<ModelName, QuantilePaths>>;
}

/** Engine output for a series. */
export interface EngineResult {
  weeklySeasonality: boolean;
  uptime: UptimeModel;
  calibrationOrigins: number;
  forecasts: HorizonForecast[];
}

/** Builds the single rate models by name (the combination is built from their paths). */
export function createModels(
  options: { arps?: ArpsModelOptions } = {},
): Record<Exclude<ModelName, 'combination'>, RateModel> {
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

/** Central-interval quantile levels, e.g. 0.8 → 0.1 and 0.9. */
export function intervalLevels(interval: number): { lower: number; upper: number } {
  const lower = Math.round(((1 - interval) / 2) * 1e9) / 1e9;
  return { lower, upper: 1 - lower };
}

/**
 * Quantiles of the day volume: shut-in (0) with probability 1 − p, otherwise the rate forecast times the
 * calibrated producing-day ratio distribution of that horizon band. Written into `into` when given (its
 * first `horizon` entries; the engine's evaluation reuses one buffer for every origin).
 */
function quantilePaths(
  rateForecast: ArrayLike<number>,
  producing: ArrayLike<number>,
  calibrator: ResidualCalibrator,
  interval: number,
  horizon: number,
  into: QuantilePaths = emptyPaths(horizon),
): QuantilePaths {
  const { lower, upper } = intervalLevels(interval);
  const paths = into;
  const tenths = lower === 0.1;
  for (let step = 1; step <= horizon; step++) {
    const rate = Math.max(rateForecast[step - 1]!, 0);
    const probability = producing[step - 1]!;
    const residuals = calibrator.residualsAt(step);
    const index = step - 1;
    paths.p50[index] = volumeQuantile(0.5, probability, rate, residuals);
    paths.lower[index] = volumeQuantile(lower, probability, rate, residuals);
    paths.upper[index] = volumeQuantile(upper, probability, rate, residuals);
    paths.p10[index] = tenths ? paths.lower[index]! : volumeQuantile(0.1, probability, rate, residuals);
    paths.p90[index] = tenths ? paths.upper[index]! : volumeQuantile(0.9, probability, rate, residuals);
  }
  return paths;
}

/** `mixtureQuantile` of a rate times its ratio residuals (1 when there are none), without a closure. */
function volumeQuantile(level: number, probability: number, rate: number, residuals: Float64Array): number {
  const shutInProbability = 1 - probability;
  if (level <= shutInProbability + 1e-12 || probability <= 0) return 0;
  const producingLevel = Math.min(1, (level - shutInProbability) / probability);
  return rate * (residuals.length === 0 ? 1 : quantileSorted(residuals, producingLevel));
}

function emptyPaths(horizon: number): QuantilePaths {
  return {
    p10: new Float64Array(horizon),
    p50: new Float64Array(horizon),
    p90: new Float64Array(horizon),
    lower: new Float64Array(horizon),
    upper: new Float64Array(horizon),
  };
}

/**
 * Split-conformal bands around an external P50: the ratios actual / P50 observed out of sample give, per
 * horizon band, the quantiles that multiply the P50 (a shut-in day is a ratio of 0). Written into `into`
 * when given, like {@link quantilePaths}.
 */
function conformalPaths(
  p50: ArrayLike<number>,
  calibrator: ResidualCalibrator,
  interval: number,
  horizon: number,
  into: QuantilePaths = emptyPaths(horizon),
): QuantilePaths {
  const { lower, upper } = intervalLevels(interval);
  const paths = into;
  for (let step = 1; step <= horizon; step++) {
    const center = Math.max(p50[step - 1]!, 0);
    const at = (level: number) => center * calibrator.quantile(step, level, 1);
    paths.p10[step - 1] = at(0.1);
    paths.p50[step - 1] = at(0.5);
    paths.p90[step - 1] = at(0.9);
    paths.lower[step - 1] = at(lower);
    paths.upper[step - 1] = at(upper);
  }
  return paths;
}

/** A candidate's forecasts at every calibration origin. */
interface Rolled {
  name: string;
  external: boolean;
  /** Built-in: full-day rate paths. External: P50 volume paths. */
  paths: (Float64Array | null)[];
  /** External only: P10/P90 as issued. */
  issued?: (QuantileTriple | null)[];
  /** External only: what it issued for the days after the history. */
  final?: QuantileTriple | null;
}

/** Ratios actual volume / forecast on producing days (built-in) or on every known day (external). */
function ratioCalibrator(
  rolled: Rolled,
  origins: readonly number[],
  originIndexes: Iterable<number>,
  series: PreparedSeries,
  horizon: number,
): ResidualCalibrator {
  const calibrator = new ResidualCalibrator();
  for (const originIndex of originIndexes) {
    const path = rolled.paths[originIndex];
    if (!path) continue;
    const origin = origins[originIndex]!;
    for (let step = 1; step <= horizon && origin + step - 1 < series.length; step++) {
      const day = origin + step - 1;
      const forecast = path[step - 1]!;
      const actual = series.values[day]!;
      if (Number.isNaN(actual) || !(forecast > 0)) continue;
      if (!rolled.external && series.status[day] !== DayStatus.producing) continue;
      calibrator.add(step, Math.min(actual / forecast, MAX_RATIO));
    }
  }
  return calibrator;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

type SingleModel = Exclude<ModelName, 'combination'>;

/** Scores of one candidate on the selection origins. */
interface Evaluation {
  eligible: boolean;
  served: AccuracyMetrics;
  issued: AccuracyMetrics | null;
  note?: string;
}

/**
 * The forecasting pipeline for one series whose history is `series` (the forecast starts the day after
 * its last day). Per horizon, every candidate (the built-in rate models, their combination and any
 * external forecast) forecasts from each calibration origin (the last `calibrationWindow` days, every
 * `calibrationStep` days) using only the days before it: model parameters and shut-in hazards are fitted
 * before the first origin and carried forward, and the producing-day ratio quantiles used at an origin come
 * from the other half of the origins (cross-fitting). Each candidate's P50 volume is scored by MASE over
 * days 1..horizon; the lowest wins and `naive` (first) wins ties. The winner's ratios on every origin give
 * the split-conformal quantiles of the forecast; the shut-in chain gives the probability of producing.
 * Throws `series_too_short` without enough producing history.
 */
export function runEngine(series: PreparedSeries, options: EngineOptions): EngineResult {
  const steps = engineSteps(series, options);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Longest stretch of engine work, in ms, between two yields to the event loop in {@link runEngineAsync}. */
export const DEFAULT_YIELD_BUDGET_MS = 8;

/**
 * {@link runEngine} in slices: the same computation (same result, bit for bit), giving the event loop a
 * turn (`setImmediate`) whenever more than `budgetMs` of work ran since the last turn. The slices are the
 * model fits, blocks of origins and the candidates' evaluations, so one forecast never holds the loop for
 * much longer than the budget plus one slice.
 */
export async function runEngineAsync(
  series: PreparedSeries,
  options: EngineOptions,
  budgetMs: number = DEFAULT_YIELD_BUDGET_MS,
): Promise<EngineResult> {
  const steps = engineSteps(series, options);
  let sliceStart = performance.now();
  let step = steps.next();
  while (!step.done) {
    if (performance.now() - sliceStart >= budgetMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    step = steps.next();
  }
  return step.value;
}

/** The engine as resumable slices: yields between pieces of work, returns the result. */
function* engineSteps(series: PreparedSeries, options: EngineOptions): Generator<void, EngineResult, void> {
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
  const needed = new Set<SingleModel>(['naive']);
  for (const name of options.models) {
    if (name === 'combination') for (const member of COMBINATION_MEMBERS) needed.add(member);
    else needed.add(name);
  }
  const singlePaths = new Map<ModelName, (Float64Array | null)[]>();
  for (const name of needed) {
    singlePaths.set(name, models[name].rolling(rates, origins, maxHorizon, context));
    yield;
  }
  const rolled: Rolled[] = options.models.map((name) => ({
    name,
    external: false,
    paths: name === 'combination' ? combinationPaths(singlePaths, origins.length) : singlePaths.get(name)!,
  }));
  for (const candidate of options.external ?? []) {
    const issued: (QuantileTriple | null)[] = [];
    for (const origin of origins) {
      issued.push(candidate.pathAt(origin, maxHorizon));
      if (issued.length % ORIGIN_SLICE === 0) yield;
    }
    rolled.push({
      name: candidate.name,
      external: true,
      paths: issued.map((item) => item?.p50 ?? null),
      issued,
      final: candidate.pathAt(length, maxHorizon),
    });
  }

  const uptime = fitUptimeModel(status, length, options.uptime);
  const earlyUptime = fitUptimeModel(status, origins[0]!, options.uptime);
  const producingFrom = producingProbabilitiesBySpell(earlyUptime, maxHorizon);
  const producingAt: Float64Array[] = [];
  for (const origin of origins) {
    producingAt.push(producingFrom(currentSpell(status, origin)));
    if (producingAt.length % ORIGIN_SLICE === 0) yield;
  }
  const scales = naiveScales(series.values, origins);
  const producing = producingProbabilities(uptime, maxHorizon);
  const singleFinalRates = new Map<SingleModel, Float64Array | null>();
  const singleFinalRate = (name: SingleModel): Float64Array | null => {
    if (!singleFinalRates.has(name)) {
      singleFinalRates.set(name, models[name].rolling(rates, [length], maxHorizon, context)[0] ?? null);
    }
    return singleFinalRates.get(name)!;
  };
  const finalRates = new Map<string, Float64Array>();
  const finalRate = (name: string): Float64Array => {
    let forecast = finalRates.get(name);
    if (!forecast) {
      if (name === 'combination') {
        const parts = new Map<ModelName, (Float64Array | null)[]>();
        for (const member of COMBINATION_MEMBERS) parts.set(member, [singleFinalRate(member)]);
        forecast = combinationPaths(parts, 1)[0] ?? finalRate('naive');
      } else {
        forecast = singleFinalRate(name as SingleModel) ?? singleFinalRate('naive')!;
      }
      finalRates.set(name, forecast);
    }
    return forecast;
  };
  const half = Math.floor(origins.length / 2);
  const halves = [range(half, origins.length), range(0, half)];
  const everyOrigin = range(0, origins.length);
  const externalOrigins = everyOrigin.filter((index) =>
    rolled.every((candidate) => !candidate.external || candidate.paths[index] !== null),
  );
  const externalsComparable = externalOrigins.length >= MIN_EXTERNAL_ORIGINS;
  const scored = externalsComparable ? externalOrigins : everyOrigin;

  const scratch = emptyPaths(maxHorizon);
  const evaluate = (candidate: Rolled, horizon: number): Evaluation => {
    if (candidate.external && !candidate.final) {
      return {
        eligible: false,
        served: new AccuracyAccumulator().result(),
        issued: null,
        note: 'has no complete rows for the days to forecast',
      };
    }
    if (candidate.external && !externalsComparable) {
      return {
        eligible: false,
        served: new AccuracyAccumulator().result(),
        issued: null,
        note: `issued before fewer than ${MIN_EXTERNAL_ORIGINS} of the ${origins.length} selection origins (rows generated after the day they forecast are not out of sample)`,
      };
    }
    if (scored.some((index) => candidate.paths[index] === null)) {
      return {
        eligible: false,
        served: new AccuracyAccumulator().result(),
        issued: null,
        note: 'cannot forecast from every selection origin (too little data, or not applicable)',
      };
    }
    const crossFitted = halves.map((indexes) =>
      ratioCalibrator(candidate, origins, indexes, series, horizon),
    );
    const served = new AccuracyAccumulator();
    const issued = new AccuracyAccumulator();
    for (const index of scored) {
      const origin = origins[index]!;
      const steps = Math.min(horizon, length - origin);
      const scale = scales[index]!;
      if (steps <= 0 || !(scale > 0)) continue;
      const calibrator = crossFitted[index < half ? 0 : 1]!;
      const actuals = series.values.subarray(origin, origin + steps);
      const quantiles = candidate.external
        ? conformalPaths(candidate.paths[index]!, calibrator, options.interval, steps, scratch)
        : quantilePaths(
            candidate.paths[index]!,
            producingAt[index]!,
            calibrator,
            options.interval,
            steps,
            scratch,
          );
      served.addOrigin(actuals, quantiles.p50, quantiles.lower, quantiles.upper, scale);
      if (candidate.external) {
        const band = candidate.issued![index]!;
        issued.addOrigin(actuals, band.p50, band.p10, band.p90, scale);
      }
    }
    return { eligible: true, served: served.result(), issued: candidate.external ? issued.result() : null };
  };

  const forecasts: HorizonForecast[] = [];
  for (const horizon of options.horizons) {
    const evaluations: Evaluation[] = [];
    for (const candidate of rolled) {
      evaluations.push(evaluate(candidate, horizon));
      yield;
    }
    let chosen = -1;
    evaluations.forEach((evaluation, index) => {
      if (!evaluation.eligible || !Number.isFinite(evaluation.served.mase)) return;
      if (chosen < 0 || evaluation.served.mase < evaluations[chosen]!.served.mase) chosen = index;
    });
    const forced = rolled.findIndex(
      (candidate) => candidate.external && candidate.name === options.forceExternal && candidate.final,
    );
    if (forced >= 0) chosen = forced;
    const winner: Rolled =
      chosen >= 0 ? rolled[chosen]! : { name: 'naive', external: false, paths: singlePaths.get('naive')! };
    const calibrator = ratioCalibrator(winner, origins, everyOrigin, series, horizon);
    const producingProbability = producing.slice(0, horizon);
    let rateForecast: Float64Array;
    let quantiles: QuantilePaths;
    let intervalCalibration: HorizonForecast['intervalCalibration'] = 'conformal';
    if (winner.external) {
      const issued = winner.final!;
      rateForecast = issued.p50.slice(0, horizon);
      if (evaluations[chosen]!.eligible) {
        quantiles = conformalPaths(rateForecast, calibrator, options.interval, horizon);
      } else {
        intervalCalibration = 'as_issued';
        quantiles = {
          p10: issued.p10.slice(0, horizon),
          p50: rateForecast.slice(),
          p90: issued.p90.slice(0, horizon),
          lower: issued.p10.slice(0, horizon),
          upper: issued.p90.slice(0, horizon),
        };
      }
    } else {
      rateForecast = finalRate(winner.name).slice(0, horizon);
      yield;
      quantiles = quantilePaths(rateForecast, producingProbability, calibrator, options.interval, horizon);
    }
    const candidates: CandidateScore[] = rolled.map((candidate, index) => {
      const evaluation = evaluations[index]!;
      const finite = (value: number | undefined): number | null =>
        evaluation.eligible && value !== undefined && Number.isFinite(value) ? value : null;
      return {
        model: candidate.name,
        source: candidate.external ? 'external' : 'builtin',
        score: finite(evaluation.served.mase),
        coverage: finite(evaluation.served.coverage),
        issuedCoverage: finite(evaluation.issued?.coverage),
        origins: evaluation.served.origins,
        eligible: evaluation.eligible,
        ...(evaluation.note ? { note: evaluation.note } : {}),
      };
    });
    let everyCandidate: Partial<Record<ModelName, QuantilePaths>> | undefined;
    if (options.everyCandidate) {
      everyCandidate = {};
      for (const [index, candidate] of rolled.entries()) {
        if (candidate.external || !evaluations[index]!.eligible) continue;
        everyCandidate[candidate.name as ModelName] = quantilePaths(
          finalRate(candidate.name).slice(0, horizon),
          producingProbability,
          ratioCalibrator(candidate, origins, everyOrigin, series, horizon),
          options.interval,
          horizon,
        );
        yield;
      }
    }
    forecasts.push({
      horizon,
      model: winner.name,
      external: winner.external,
      intervalCalibration,
      candidates,
      selection: selectionSummary(
        candidates,
        winner.name,
        horizon,
        scored.map((index) => origins[index]!),
        series.startDay,
      ),
      rateForecast,
      producingProbability,
      quantiles,
      selectionBacktest: toBacktest(
        chosen >= 0 ? evaluations[chosen]!.served : new AccuracyAccumulator().result(),
        horizon,
      ),
      everyCandidate,
    });
  }

  return { weeklySeasonality: seasonality.detected, uptime, calibrationOrigins: origins.length, forecasts };
}

function toBacktest(metrics: AccuracyMetrics, horizon: number): SelectionBacktest {
  return {
    mase: metrics.mase,
    smape: metrics.smape,
    bias: metrics.bias,
    coverage: metrics.coverage,
    horizonDays: horizon,
    origins: metrics.origins,
  };
}

function selectionSummary(
  candidates: readonly CandidateScore[],
  chosen: string,
  horizon: number,
  scoredOrigins: readonly number[],
  startDay: number,
): SelectionSummary {
  const winner = candidates.find((candidate) => candidate.model === chosen);
  const naive = candidates.find((candidate) => candidate.model === 'naive');
  const format = (value: number) => value.toFixed(3);
  let reason: string;
  if (chosen === 'naive') {
    reason =
      naive?.score != null
        ? `no candidate beat naive out of sample (naive MASE ${format(naive.score)})`
        : 'no candidate could be scored; naive is the fallback';
  } else if (winner?.score != null && naive?.score != null) {
    reason = `lowest out-of-sample MASE: ${format(winner.score)} against ${format(naive.score)} for naive`;
  } else {
    reason = winner?.score != null ? `lowest out-of-sample MASE: ${format(winner.score)}` : 'only candidate';
  }
  return {
    chosen,
    reason,
    metric: 'mase_1_to_h',
    horizonDays: horizon,
    origins: scoredOrigins.length,
    firstOrigin: scoredOrigins.length > 0 ? fromDayNumber(startDay + scoredOrigins[0]!) : null,
    lastOrigin:
      scoredOrigins.length > 0 ? fromDayNumber(startDay + scoredOrigins[scoredOrigins.length - 1]!) : null,
  };
}
