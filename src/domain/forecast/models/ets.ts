import { nelderMead } from '../optimize.js';
import type { ModelContext, RateModel } from './model.js';
import { countFinite } from './model.js';

/** Smoothing parameters of additive damped-trend exponential smoothing, ETS(A,Ad,N) or ETS(A,Ad,A) with m = 7. */
export interface EtsParameters {
  alpha: number;
  /** Trend smoothing in error-correction form (0 < beta < alpha). */
  beta: number;
  /** Damping (1 = undamped Holt). */
  phi: number;
  /** Weekly seasonal smoothing (0 when not seasonal). */
  gamma: number;
  seasonal: boolean;
}

/** State after the last processed day. `season[t % 7]` is the seasonal term of day index `t`. */
export interface EtsState {
  level: number;
  trend: number;
  season: Float64Array;
}

/** Options of `fitEts`. */
export interface EtsFitOptions {
  seasonal: boolean;
  /** Fit the damping parameter in [0.8, 0.98] (default) or fix it at 1 (Holt's linear trend). */
  damped?: boolean;
  /** Only the last `window` days before `end` are used (default 730). */
  window?: number;
}

/** A fitted model: parameters, the day the filter starts, and the one-step SSE at the optimum. */
export interface EtsFit {
  parameters: EtsParameters;
  start: number;
  initial: EtsState;
  sse: number;
}

const INITIAL_POINTS = 14;

/** Initial level/trend from a least-squares line through the first usable points; season from residual means. */
export function etsInitialState(
  values: Float64Array,
  start: number,
  end: number,
  seasonal: boolean,
): EtsState {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let index = start; index < end && xs.length < INITIAL_POINTS; index++) {
    if (!Number.isNaN(values[index]!)) {
      xs.push(index);
      ys.push(values[index]!);
    }
  }
  const count = xs.length;
  const meanX = xs.reduce((sum, x) => sum + x, 0) / count;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / count;
  let sxy = 0;
  let sxx = 0;
  for (let index = 0; index < count; index++) {
    sxy += (xs[index]! - meanX) * (ys[index]! - meanY);
    sxx += (xs[index]! - meanX) ** 2;
  }
  const slope = count >= 3 && sxx > 0 ? sxy / sxx : 0;
  const season = new Float64Array(7);
  if (seasonal) {
    const sums = new Float64Array(7);
    const counts = new Float64Array(7);
    for (let index = 0; index < count; index++) {
      const weekday = xs[index]! % 7;
      sums[weekday]! += ys[index]! - (meanY + slope * (xs[index]! - meanX));
      counts[weekday]!++;
    }
    let total = 0;
    for (let weekday = 0; weekday < 7; weekday++) {
      season[weekday] = counts[weekday]! > 0 ? sums[weekday]! / counts[weekday]! : 0;
      total += season[weekday]!;
    }
    for (let weekday = 0; weekday < 7; weekday++) season[weekday]! -= total / 7;
  }
  return { level: meanY + slope * (start - 1 - meanX), trend: slope, season };
}

/**
 * Runs the filter over `values[from..to)` updating `state` in place, and returns the sum of squared
 * one-step errors. Missing days advance the state without correction.
 */
export function etsFilter(
  values: Float64Array,
  from: number,
  to: number,
  parameters: EtsParameters,
  state: EtsState,
): number {
  const { alpha, beta, phi, gamma, seasonal } = parameters;
  let { level, trend } = state;
  const season = state.season;
  let sse = 0;
  for (let index = from; index < to; index++) {
    const dampedTrend = phi * trend;
    const value = values[index]!;
    if (Number.isNaN(value)) {
      level += dampedTrend;
      trend = dampedTrend;
      continue;
    }
    const weekday = index % 7;
    const error = value - (level + dampedTrend + (seasonal ? season[weekday]! : 0));
    sse += error * error;
    level += dampedTrend + alpha * error;
    trend = dampedTrend + beta * error;
    if (seasonal) season[weekday]! += gamma * error;
  }
  state.level = level;
  state.trend = trend;
  return sse;
}

/** Point forecasts for days `origin .. origin + horizon − 1` from the state after day `origin − 1`. */
export function etsForecast(
  state: EtsState,
  parameters: EtsParameters,
  origin: number,
  horizon: number,
): Float64Array {
  const forecast = new Float64Array(horizon);
  let trendSum = 0;
  let phiPower = 1;
  for (let step = 0; step < horizon; step++) {
    phiPower *= parameters.phi;
    trendSum += phiPower;
    const seasonal = parameters.seasonal ? state.season[(origin + step) % 7]! : 0;
    forecast[step] = state.level + trendSum * state.trend + seasonal;
  }
  return forecast;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const PHI_MIN = 0.8;
const PHI_SPAN = 0.18;

function decode(point: readonly number[], options: EtsFitOptions): EtsParameters {
  const alpha = 0.0001 + 0.9998 * logistic(point[0]!);
  const beta = alpha * 0.999 * logistic(point[1]!);
  const damped = options.damped ?? true;
  const phi = damped ? PHI_MIN + PHI_SPAN * logistic(point[2]!) : 1;
  const gamma = options.seasonal ? (1 - alpha) * 0.999 * logistic(point[damped ? 3 : 2]!) : 0;
  return { alpha, beta, phi, gamma, seasonal: options.seasonal };
}

function cloneState(state: EtsState): EtsState {
  return { level: state.level, trend: state.trend, season: state.season.slice() };
}

/**
 * Fits the smoothing parameters by Nelder–Mead on the one-step sum of squared errors over the last
 * `window` days before `end`. Returns `null` when fewer than 14 usable values are available.
 */
export function fitEts(values: Float64Array, end: number, options: EtsFitOptions): EtsFit | null {
  const start = Math.max(0, end - (options.window ?? 730));
  if (countFinite(values.subarray(start, end), end - start) < INITIAL_POINTS) return null;
  const initial = etsInitialState(values, start, end, options.seasonal);
  const damped = options.damped ?? true;
  const startPoint = [logit(0.3), logit(0.1)];
  if (damped) startPoint.push(logit((0.95 - PHI_MIN) / PHI_SPAN));
  if (options.seasonal) startPoint.push(logit(0.05));
  const objective = (point: readonly number[]): number =>
    etsFilter(values, start, end, decode(point, options), cloneState(initial));
  const best = nelderMead(objective, startPoint, {
    step: 1,
    maxIterations: 60 * startPoint.length,
    tolerance: 1e-7,
  });
  return { parameters: decode(best.point, options), start, initial, sse: best.value };
}

/** Rolling forecasts with parameters fitted once before the first origin and the filter carried forward. */
export function etsRolling(
  values: Float64Array,
  origins: readonly number[],
  horizon: number,
  options: EtsFitOptions,
): (Float64Array | null)[] {
  if (origins.length === 0) return [];
  const fit = fitEts(values, origins[0]!, options);
  if (!fit) return origins.map(() => null);
  const state = cloneState(fit.initial);
  let position = fit.start;
  return origins.map((origin) => {
    etsFilter(values, position, origin, fit.parameters, state);
    position = origin;
    return etsForecast(state, fit.parameters, origin, horizon);
  });
}

/** Transforms rates to log scale, NaN for non-positive values. */
function logRates(rates: Float64Array): Float64Array {
  const logs = new Float64Array(rates.length);
  for (let index = 0; index < rates.length; index++) {
    const rate = rates[index]!;
    logs[index] = rate > 0 ? Math.log(rate) : Number.NaN;
  }
  return logs;
}

/**
 * Damped-trend exponential smoothing of the log rate (a multiplicative damped trend on the rate), with
 * additive weekly seasonality on the log scale when a weekly pattern was detected.
 */
export const etsModel: RateModel = {
  name: 'ets',
  minObservations: INITIAL_POINTS,
  rolling(rates: Float64Array, origins: readonly number[], horizon: number, context: ModelContext) {
    const forecasts = etsRolling(logRates(rates), origins, horizon, { seasonal: context.weeklySeasonality });
    return forecasts.map((forecast) => forecast?.map(Math.exp) ?? null);
  },
};
