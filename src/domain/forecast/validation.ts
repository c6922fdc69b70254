import { ForecastInputError } from './errors.js';
import type { ModelName } from './types.js';
import { HORIZON_RANGE, MODEL_NAMES } from './types.js';

/** Returns the horizon if it is an integer within 1–180 days; throws `horizon_out_of_range` otherwise. */
export function validateHorizon(horizon: number): number {
  if (!Number.isInteger(horizon) || horizon < HORIZON_RANGE.min || horizon > HORIZON_RANGE.max) {
    throw new ForecastInputError(
      'horizon_out_of_range',
      `horizon must be a whole number of days between ${HORIZON_RANGE.min} and ${HORIZON_RANGE.max}, got ${horizon}`,
      { horizon, min: HORIZON_RANGE.min, max: HORIZON_RANGE.max },
    );
  }
  return horizon;
}

/** Returns the central interval probability if within [0.5, 0.98]; throws `interval_out_of_range`. */
export function validateInterval(interval: number): number {
  if (!Number.isFinite(interval) || interval < 0.5 || interval > 0.98) {
    throw new ForecastInputError(
      'interval_out_of_range',
      `interval must be between 0.5 and 0.98, got ${interval}`,
      {
        interval,
      },
    );
  }
  return interval;
}

/** Returns the distinct candidate models (all when absent); throws `unknown_model` for other names. */
export function validateModels(models: readonly string[] | undefined): ModelName[] {
  if (models === undefined) return [...MODEL_NAMES];
  const unknown = models.filter((model) => !(MODEL_NAMES as readonly string[]).includes(model));
  if (unknown.length > 0 || models.length === 0) {
    throw new ForecastInputError(
      'unknown_model',
      models.length === 0
        ? `at least one model is required (${MODEL_NAMES.join(', ')})`
        : `unknown model ${unknown.join(', ')}; expected one of ${MODEL_NAMES.join(', ')}`,
      { unknown },
    );
  }
  return [...new Set(models)] as ModelName[];
}
