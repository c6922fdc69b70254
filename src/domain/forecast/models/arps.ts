import { nelderMead } from '../optimize.js';
import type { RateModel } from './model.js';

/** Arps decline parameters; declines are nominal, per day. */
export interface ArpsParameters {
  /** Rate at t = 0. */
  qi: number;
  /** Initial nominal decline per day. */
  di: number;
  /** Hyperbolic exponent (0 = exponential). */
  b: number;
  /** Terminal nominal decline per day: the hyperbola turns exponential once its decline falls to this. */
  terminalDecline: number;
}

/** Options of `fitArps`. */
export interface ArpsFitOptions {
  /** Terminal nominal decline per day (default 0.08 per year). */
  terminalDecline?: number;
  /** Largest hyperbolic exponent tried (default 2). */
  maxB?: number;
}

/** A fitted decline curve and its root-mean-square error on log rate. */
export interface ArpsFit {
  parameters: ArpsParameters;
  rmseLog: number;
}

/** Default terminal decline: 8 % per year, nominal. */
export const DEFAULT_TERMINAL_DECLINE = 0.08 / 365;
const MIN_DECLINE = 1e-6;
const MAX_DECLINE = 0.5;
const EXPONENTIAL_B = 1e-6;

/** Natural log of the Arps rate divided by qi at time t (days), terminal exponential included. */
export function arpsLogShape(t: number, di: number, b: number, terminalDecline: number): number {
  if (b <= EXPONENTIAL_B || di <= terminalDecline) return -di * t;
  const switchTime = (di / terminalDecline - 1) / (b * di);
  if (t <= switchTime) return -Math.log1p(b * di * t) / b;
  return -Math.log1p(b * di * switchTime) / b - terminalDecline * (t - switchTime);
}

/** Rate of an Arps curve at time t (days since t = 0). */
export function arpsRate(parameters: ArpsParameters, t: number): number {
  return parameters.qi * Math.exp(arpsLogShape(t, parameters.di, parameters.b, parameters.terminalDecline));
}

/** Best log(qi) for a fixed shape (closed form) and the resulting squared error; `shapes` is scratch space. */
function profileLogQi(
  times: ArrayLike<number>,
  logRates: ArrayLike<number>,
  di: number,
  b: number,
  terminalDecline: number,
  shapes: Float64Array,
): { logQi: number; sse: number } {
  const count = times.length;
  let sum = 0;
  for (let index = 0; index < count; index++) {
    shapes[index] = arpsLogShape(times[index]!, di, b, terminalDecline);
    sum += logRates[index]! - shapes[index]!;
  }
  const logQi = sum / count;
  let sse = 0;
  for (let index = 0; index < count; index++) sse += (logRates[index]! - shapes[index]! - logQi) ** 2;
  return { logQi, sse };
}

/**
 * Least-squares fit of an Arps curve on log rate: a coarse grid over (b, log di) with qi profiled out in
 * closed form, refined by Nelder–Mead. Times are days from the curve's t = 0; rates must be positive.
 * Returns `null` with fewer than 5 points.
 */
export function fitArps(
  times: ArrayLike<number>,
  rates: ArrayLike<number>,
  options: ArpsFitOptions = {},
): ArpsFit | null {
  const count = times.length;
  if (count < 5) return null;
  const terminalDecline = options.terminalDecline ?? DEFAULT_TERMINAL_DECLINE;
  const maxB = options.maxB ?? 2;
  const logRates = Array.from(rates, (rate) => Math.log(rate));
  const shapes = new Float64Array(count);
  const objective = (b: number, logDi: number): number => {
    if (b < 0 || b > maxB || logDi < Math.log(MIN_DECLINE) || logDi > Math.log(MAX_DECLINE)) {
      return Number.POSITIVE_INFINITY;
    }
    return profileLogQi(times, logRates, Math.exp(logDi), b, terminalDecline, shapes).sse;
  };
  let best = { b: 0, logDi: Math.log(MIN_DECLINE), sse: Number.POSITIVE_INFINITY };
  for (let bStep = 0; bStep <= 8; bStep++) {
    const b = (maxB * bStep) / 8;
    for (let diStep = 0; diStep <= 24; diStep++) {
      const logDi = Math.log(MIN_DECLINE) + ((Math.log(MAX_DECLINE) - Math.log(MIN_DECLINE)) * diStep) / 24;
      const sse = objective(b, logDi);
      if (sse < best.sse) best = { b, logDi, sse };
    }
  }
  const refined = nelderMead(
    (point) => objective(point[0]!, point[1]!),
    [Math.max(best.b, 0.05), best.logDi],
    {
      step: 0.3,
      maxIterations: 400,
      tolerance: 1e-14,
    },
  );
  const exponentialRefined = nelderMead((point) => objective(0, point[0]!), [best.logDi], {
    step: 0.3,
    maxIterations: 200,
    tolerance: 1e-14,
  });
  const useExponential = exponentialRefined.value <= refined.value;
  const b = useExponential ? 0 : refined.point[0]!;
  const di = Math.exp(useExponential ? exponentialRefined.point[0]! : refined.point[1]!);
  const { logQi, sse } = profileLogQi(times, logRates, di, b, terminalDecline, shapes);
  return {
    parameters: { qi: Math.exp(logQi), di, b, terminalDecline },
    rmseLog: Math.sqrt(sse / count),
  };
}

/** Options of the Arps rate model. */
export interface ArpsModelOptions {
  /** Days of history the decline is fitted on (default 365). */
  window?: number;
  terminalDecline?: number;
}

/**
 * Arps decline model. Fitted on the usable rates of the last `window` days before the first origin;
 * at later origins the curve's shape (di, b) is kept and its level qi re-estimated on the recent window.
 * Not applicable (null) when the fitted decline is flat or rising.
 */
export function createArpsModel(options: ArpsModelOptions = {}): RateModel {
  const window = options.window ?? 365;
  return {
    name: 'arps',
    minObservations: 30,
    rolling(rates: Float64Array, origins: readonly number[], horizon: number) {
      if (origins.length === 0) return [];
      const firstOrigin = origins[0]!;
      const fitStart = Math.max(0, firstOrigin - window);
      const times: number[] = [];
      const values: number[] = [];
      for (let index = fitStart; index < firstOrigin; index++) {
        const rate = rates[index]!;
        if (rate > 0) {
          times.push(index - fitStart);
          values.push(rate);
        }
      }
      if (times.length < 30) return origins.map(() => null);
      const fit = fitArps(times, values, {
        terminalDecline: options.terminalDecline ?? DEFAULT_TERMINAL_DECLINE,
      });
      if (!fit || fit.parameters.di <= MIN_DECLINE * 1.01) return origins.map(() => null);
      const { di, b, terminalDecline } = fit.parameters;
      return origins.map((origin) => {
        let sum = 0;
        let count = 0;
        for (let index = Math.max(fitStart, origin - window); index < origin; index++) {
          const rate = rates[index]!;
          if (rate > 0) {
            sum += Math.log(rate) - arpsLogShape(index - fitStart, di, b, terminalDecline);
            count++;
          }
        }
        if (count === 0) return null;
        const logQi = sum / count;
        const forecast = new Float64Array(horizon);
        for (let step = 0; step < horizon; step++) {
          forecast[step] = Math.exp(logQi + arpsLogShape(origin + step - fitStart, di, b, terminalDecline));
        }
        return forecast;
      });
    },
  };
}
