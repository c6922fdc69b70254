import type { ModelName } from '../types.js';

/** What a rate model may know about the series beyond the rates themselves. */
export interface ModelContext {
  /** A weekly pattern was detected in the history before the first origin. */
  weeklySeasonality: boolean;
}

/**
 * A model of the full-day production rate. `rates` holds NaN on days without a usable rate (shut-in,
 * missing, short uptime); models must skip them, never read them as zero.
 */
export interface RateModel {
  readonly name: ModelName;
  /** Fewest usable rates the model needs before an origin. */
  readonly minObservations: number;
  /**
   * Forecasts `horizon` rates after each origin (ascending indexes into `rates`), each using only
   * `rates[0..origin)`. Parameters may be estimated once on the data before the first origin and reused.
   * Returns `null` for an origin the model cannot forecast (too little data, not applicable).
   */
  rolling(
    rates: Float64Array,
    origins: readonly number[],
    horizon: number,
    context: ModelContext,
  ): (Float64Array | null)[];
}

/** Number of finite values in `values[0..end)`. */
export function countFinite(values: Float64Array, end: number): number {
  let count = 0;
  for (let index = 0; index < end; index++) if (!Number.isNaN(values[index]!)) count++;
  return count;
}

/** Index of the last finite value before `end`, or -1. */
export function lastFiniteIndex(values: Float64Array, end: number): number {
  for (let index = end - 1; index >= 0; index--) if (!Number.isNaN(values[index]!)) return index;
  return -1;
}
