import type { RateModel } from './model.js';
import { lastFiniteIndex } from './model.js';

/** Naive: every future day equals the last usable rate. */
export const naiveModel: RateModel = {
  name: 'naive',
  minObservations: 1,
  rolling(rates: Float64Array, origins: readonly number[], horizon: number): (Float64Array | null)[] {
    return origins.map((origin) => {
      const last = lastFiniteIndex(rates, origin);
      return last < 0 ? null : new Float64Array(horizon).fill(rates[last]!);
    });
  },
};

/** Weeks looked back for the same weekday before falling back to the last rate. */
const SEASONAL_LOOKBACK_WEEKS = 8;

/** Seasonal naive (weekly): each future day equals the last usable rate on the same weekday. */
export const seasonalNaiveModel: RateModel = {
  name: 'seasonal_naive',
  minObservations: 7,
  rolling(rates: Float64Array, origins: readonly number[], horizon: number): (Float64Array | null)[] {
    return origins.map((origin) => {
      const last = lastFiniteIndex(rates, origin);
      if (last < 0) return null;
      const weekly = new Float64Array(7);
      for (let offset = 0; offset < 7; offset++) {
        let value = rates[last]!;
        for (let week = 1; week <= SEASONAL_LOOKBACK_WEEKS; week++) {
          const index = origin + offset - 7 * week;
          if (index >= 0 && index < origin && !Number.isNaN(rates[index]!)) {
            value = rates[index]!;
            break;
          }
        }
        weekly[offset] = value;
      }
      const forecast = new Float64Array(horizon);
      for (let step = 0; step < horizon; step++) forecast[step] = weekly[step % 7]!;
      return forecast;
    });
  },
};
