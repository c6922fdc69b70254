import type { BaselineName } from './baselines.js';
import { BASELINE_NAMES, baselineForecast } from './baselines.js';
import { ResidualCalibrator } from './calibration.js';
import type { EngineResult, QuantilePaths } from './engine.js';
import { DEFAULT_CALIBRATION_STEP, DEFAULT_CALIBRATION_WINDOW, intervalLevels, runEngine } from './engine.js';
import { ForecastInputError } from './errors.js';
import type { ForecastTuning } from './forecast.js';
import type { AccuracyMetrics } from './metrics.js';
import { AccuracyAccumulator, naiveScale } from './metrics.js';
import type { PreparedSeries } from './series.js';
import { prepareSeries, truncateSeries } from './series.js';
import type { DailyPoint, ModelName } from './types.js';
import { validateHorizon, validateInterval, validateModels } from './validation.js';

/** A method scored by the backtest: the selected model, or a baseline. */
export type MethodName = 'selected' | BaselineName;

/** Every scored method, in report order. */
export const METHOD_NAMES: readonly MethodName[] = ['selected', ...BASELINE_NAMES];

/** Options of `runBacktest`. */
export interface BacktestOptions {
  /** Horizons to score, in days (each 1–180). */
  horizons: readonly number[];
  /** Central interval scored for coverage (default 0.8: P10–P90). */
  interval?: number;
  models?: readonly ModelName[];
  /** Days between forecast origins (default 7). */
  originStep?: number;
  /** Days of history before the first origin (default 120). */
  minTrainingDays?: number;
  /** Called after each origin of each series. */
  onProgress?: (done: number, total: number) => void;
  /** Also score every built-in model forced at each origin (the per-family figures; about twice as slow). */
  scoreEveryModel?: boolean;
}

/** Scores of one model family forced at every origin it could forecast, with naive on the same origins. */
export interface FamilyScores {
  atHorizon: AccuracyMetrics;
  overWindow: AccuracyMetrics;
  ratioToNaive: number;
  windowRatioToNaive: number;
}

/** Scores of every method at one horizon. */
export interface HorizonScores {
  horizon: number;
  /** Error of the forecast for day `horizon` only (the headline "error at h days"). */
  atHorizon: Record<MethodName, AccuracyMetrics>;
  /** Error over days 1..horizon of each origin. */
  overWindow: Record<MethodName, AccuracyMetrics>;
  /** MASE at day `horizon` divided by naive's (< 1 beats naive). */
  ratioToNaive: Record<MethodName, number>;
  /** MASE over days 1..horizon divided by naive's. */
  windowRatioToNaive: Record<MethodName, number>;
  /** How often each model was selected at the scored origins. */
  selectedModels: Partial<Record<string, number>>;
  /** Every built-in model forced (with `scoreEveryModel`). */
  families: Partial<Record<ModelName, FamilyScores>>;
}

/** Backtest of one series. */
export interface SeriesBacktest {
  id: string;
  days: number;
  horizons: HorizonScores[];
}

/** Full report: per series and aggregated over all series-origins. */
export interface BacktestReport {
  horizons: number[];
  interval: number;
  originStep: number;
  minTrainingDays: number;
  series: SeriesBacktest[];
  aggregate: HorizonScores[];
}

/** A named series for the backtest. */
export interface NamedSeries {
  id: string;
  points: readonly DailyPoint[];
}

/** Picks the series with the given ids (all when `ids` is empty). Throws `unknown_series`. */
export function selectSeries<T extends { id: string }>(all: readonly T[], ids: readonly string[] = []): T[] {
  if (ids.length === 0) return [...all];
  const byId = new Map(all.map((series) => [series.id, series]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new ForecastInputError('unknown_series', `unknown series: ${unknown.join(', ')}`, { unknown });
  }
  return ids.map((id) => byId.get(id)!);
}

type Accumulators = Record<MethodName, AccuracyAccumulator>;

interface FamilyAccumulators {
  atHorizon: AccuracyAccumulator;
  overWindow: AccuracyAccumulator;
  naiveAtHorizon: AccuracyAccumulator;
  naiveOverWindow: AccuracyAccumulator;
}

interface HorizonAccumulators {
  atHorizon: Accumulators;
  overWindow: Accumulators;
  selectedModels: Partial<Record<string, number>>;
  families: Map<ModelName, FamilyAccumulators>;
}

function familyAccumulators(): FamilyAccumulators {
  return {
    atHorizon: new AccuracyAccumulator(),
    overWindow: new AccuracyAccumulator(),
    naiveAtHorizon: new AccuracyAccumulator(),
    naiveOverWindow: new AccuracyAccumulator(),
  };
}

function newAccumulators(): Accumulators {
  return Object.fromEntries(METHOD_NAMES.map((name) => [name, new AccuracyAccumulator()])) as Accumulators;
}

function newHorizonAccumulators(): HorizonAccumulators {
  return {
    atHorizon: newAccumulators(),
    overWindow: newAccumulators(),
    selectedModels: {},
    families: new Map(),
  };
}

function toScores(horizon: number, accumulators: HorizonAccumulators): HorizonScores {
  const results = (set: Accumulators) =>
    Object.fromEntries(METHOD_NAMES.map((name) => [name, set[name].result()])) as Record<
      MethodName,
      AccuracyMetrics
    >;
  const atHorizon = results(accumulators.atHorizon);
  const overWindow = results(accumulators.overWindow);
  const ratio = (set: Record<MethodName, AccuracyMetrics>) =>
    Object.fromEntries(METHOD_NAMES.map((name) => [name, set[name].mase / set.naive.mase])) as Record<
      MethodName,
      number
    >;
  return {
    horizon,
    atHorizon,
    overWindow,
    ratioToNaive: ratio(atHorizon),
    windowRatioToNaive: ratio(overWindow),
    selectedModels: { ...accumulators.selectedModels },
    families: Object.fromEntries(
      [...accumulators.families].map(([name, family]) => {
        const atHorizon = family.atHorizon.result();
        const overWindow = family.overWindow.result();
        return [
          name,
          {
            atHorizon,
            overWindow,
            ratioToNaive: atHorizon.mase / family.naiveAtHorizon.result().mase,
            windowRatioToNaive: overWindow.mase / family.naiveOverWindow.result().mase,
          },
        ];
      }),
    ),
  };
}

/** Baseline quantile paths: the point forecast plus additive residual quantiles from earlier origins. */
function baselinePaths(
  name: BaselineName,
  values: Float64Array,
  origin: number,
  horizon: number,
  calibration: { window: number; step: number },
  levels: { lower: number; upper: number },
): { p50: Float64Array; lower: Float64Array; upper: Float64Array } {
  const calibrator = new ResidualCalibrator();
  for (let past = origin - 1; past >= Math.max(1, origin - calibration.window); past -= calibration.step) {
    const forecast = baselineForecast(name, values, past, Math.min(horizon, origin - past));
    for (let step = 1; step <= forecast.length; step++) {
      const actual = values[past + step - 1]!;
      if (!Number.isNaN(actual) && !Number.isNaN(forecast[step - 1]!)) {
        calibrator.add(step, actual - forecast[step - 1]!);
      }
    }
  }
  const p50 = baselineForecast(name, values, origin, horizon);
  const lower = new Float64Array(horizon);
  const upper = new Float64Array(horizon);
  for (let step = 1; step <= horizon; step++) {
    lower[step - 1] = Math.max(0, p50[step - 1]! + calibrator.quantile(step, levels.lower, 0));
    upper[step - 1] = Math.max(0, p50[step - 1]! + calibrator.quantile(step, levels.upper, 0));
  }
  return { p50, lower, upper };
}

/** Progress of a running backtest: origins done out of the total, and the series being scored. */
export interface BacktestProgress {
  done: number;
  total: number;
  seriesId: string;
}

/**
 * Rolling-origin backtest as a generator that yields after every origin (drive it with `runBacktest` or
 * `runBacktestAsync`). At each origin (every `originStep` days once `minTrainingDays` of history exist)
 * the engine sees only the days before the origin: it selects, calibrates and forecasts; the baselines
 * forecast from the same history. Every day inside the horizon that has a row is scored, shut-in days
 * included; days without a row are skipped. Origins whose history is still too short are skipped.
 */
export function* backtestSteps(
  series: readonly NamedSeries[],
  options: BacktestOptions & ForecastTuning,
): Generator<BacktestProgress, BacktestReport, void> {
  const horizons = [...new Set(options.horizons.map((horizon) => validateHorizon(horizon)))].sort(
    (a, b) => a - b,
  );
  if (horizons.length === 0) {
    throw new ForecastInputError('horizon_out_of_range', 'at least one horizon (1–180 days) is required');
  }
  const interval = validateInterval(options.interval ?? 0.8);
  const models = validateModels(options.models);
  const originStep = Math.max(1, Math.floor(options.originStep ?? 7));
  const minTrainingDays = Math.max(30, Math.floor(options.minTrainingDays ?? 120));
  const maxHorizon = horizons[horizons.length - 1]!;
  const levels = intervalLevels(interval);
  const calibration = {
    window: Math.max(options.engine?.calibrationWindow ?? DEFAULT_CALIBRATION_WINDOW, maxHorizon + 30),
    step: options.engine?.calibrationStep ?? DEFAULT_CALIBRATION_STEP,
  };

  const prepared = series.map((item) => ({
    id: item.id,
    series: prepareSeries(item.points, options.preparation),
  }));
  const originsOf = (item: PreparedSeries): number[] => {
    const origins: number[] = [];
    for (let origin = minTrainingDays; origin < item.length; origin += originStep) origins.push(origin);
    return origins;
  };
  const total = prepared.reduce((sum, item) => sum + originsOf(item.series).length, 0);
  let done = 0;

  const aggregate = horizons.map(() => newHorizonAccumulators());
  const perSeries: SeriesBacktest[] = [];
  for (const { id, series: full } of prepared) {
    const accumulators = horizons.map(() => newHorizonAccumulators());
    for (const origin of originsOf(full)) {
      scoreOrigin(full, origin, horizons, accumulators, {
        ...options,
        interval,
        models,
        levels,
        calibration,
      });
      done++;
      options.onProgress?.(done, total);
      yield { done, total, seriesId: id };
    }
    for (const [horizonIndex, target] of aggregate.entries()) mergeInto(target, accumulators[horizonIndex]!);
    perSeries.push({
      id,
      days: full.length,
      horizons: horizons.map((horizon, horizonIndex) => toScores(horizon, accumulators[horizonIndex]!)),
    });
  }
  return {
    horizons,
    interval,
    originStep,
    minTrainingDays,
    series: perSeries,
    aggregate: horizons.map((horizon, horizonIndex) => toScores(horizon, aggregate[horizonIndex]!)),
  };
}

interface OriginContext extends ForecastTuning {
  interval: number;
  models: readonly ModelName[];
  levels: { lower: number; upper: number };
  calibration: { window: number; step: number };
  scoreEveryModel?: boolean;
}

function scoreOrigin(
  full: PreparedSeries,
  origin: number,
  horizons: readonly number[],
  accumulators: HorizonAccumulators[],
  context: OriginContext,
): void {
  const history = truncateSeries(full, origin, context.preparation);
  const scale = naiveScale(history.values, origin);
  if (!(scale > 0)) return;
  let engine: EngineResult;
  try {
    engine = runEngine(history, {
      ...context.engine,
      horizons,
      interval: context.interval,
      models: context.models,
      everyCandidate: context.scoreEveryModel ?? false,
    });
  } catch (error) {
    if (error instanceof ForecastInputError) return;
    throw error;
  }
  const maxHorizon = horizons[horizons.length - 1]!;
  const baselines = BASELINE_NAMES.map((name) => ({
    name,
    paths: baselinePaths(name, history.values, origin, maxHorizon, context.calibration, context.levels),
  }));
  horizons.forEach((horizon, horizonIndex) => {
    if (origin + horizon > full.length) return;
    const actuals = full.values.subarray(origin, origin + horizon);
    const forecast = engine.forecasts[horizonIndex]!;
    const target = accumulators[horizonIndex]!;
    const last = horizon - 1;
    const scoreInto = (
      window: AccuracyAccumulator,
      at: AccuracyAccumulator,
      paths: { p50: Float64Array; lower: Float64Array; upper: Float64Array },
    ) => {
      window.addOrigin(actuals, paths.p50, paths.lower, paths.upper, scale);
      at.addOrigin([actuals[last]!], [paths.p50[last]!], [paths.lower[last]!], [paths.upper[last]!], scale);
    };
    scoreInto(target.overWindow.selected, target.atHorizon.selected, forecast.quantiles);
    for (const { name, paths } of baselines)
      scoreInto(target.overWindow[name], target.atHorizon[name], paths);
    const naivePaths = baselines[0]!.paths;
    for (const [name, paths] of Object.entries(forecast.everyCandidate ?? {}) as [
      ModelName,
      QuantilePaths,
    ][]) {
      let family = target.families.get(name);
      if (!family) {
        family = familyAccumulators();
        target.families.set(name, family);
      }
      scoreInto(family.overWindow, family.atHorizon, paths);
      scoreInto(family.naiveOverWindow, family.naiveAtHorizon, naivePaths);
    }
    target.selectedModels[forecast.model] = (target.selectedModels[forecast.model] ?? 0) + 1;
  });
}

function mergeInto(target: HorizonAccumulators, source: HorizonAccumulators): void {
  for (const method of METHOD_NAMES) {
    target.atHorizon[method].merge(source.atHorizon[method]);
    target.overWindow[method].merge(source.overWindow[method]);
  }
  for (const [name, family] of source.families) {
    let merged = target.families.get(name);
    if (!merged) {
      merged = familyAccumulators();
      target.families.set(name, merged);
    }
    merged.atHorizon.merge(family.atHorizon);
    merged.overWindow.merge(family.overWindow);
    merged.naiveAtHorizon.merge(family.naiveAtHorizon);
    merged.naiveOverWindow.merge(family.naiveOverWindow);
  }
  for (const [model, count] of Object.entries(source.selectedModels) as [string, number][]) {
    target.selectedModels[model] = (target.selectedModels[model] ?? 0) + count;
  }
}

/** Runs the whole rolling-origin backtest synchronously (see `backtestSteps`). Throws `ForecastInputError`. */
export function runBacktest(
  series: readonly NamedSeries[],
  options: BacktestOptions & ForecastTuning,
): BacktestReport {
  const steps = backtestSteps(series, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs the backtest, yielding to the event loop every `yieldEvery` origins (default 1) so progress renders. */
export async function runBacktestAsync(
  series: readonly NamedSeries[],
  options: BacktestOptions & ForecastTuning & { yieldEvery?: number },
): Promise<BacktestReport> {
  const steps = backtestSteps(series, options);
  const yieldEvery = Math.max(1, options.yieldEvery ?? 1);
  for (let count = 1; ; count++) {
    const next = steps.next();
    if (next.done) return next.value;
    if (count % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Backtest of a single series (the per-series part of `runBacktest`). */
export function backtestSeries(
  id: string,
  points: readonly DailyPoint[],
  options: BacktestOptions & ForecastTuning,
): SeriesBacktest {
  return runBacktest([{ id, points }], options).series[0]!;
}

/** Parses a CLI horizon list such as `7,30,90`; throws `horizon_out_of_range` on anything else. */
export function parseHorizonList(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  return parts.map((part) => {
    if (!/^\d+$/.test(part)) {
      throw new ForecastInputError(
        'horizon_out_of_range',
        `horizons must be whole days between 1 and 180 separated by commas, got "${text}"`,
        { horizons: text },
      );
    }
    return validateHorizon(Number(part));
  });
}
