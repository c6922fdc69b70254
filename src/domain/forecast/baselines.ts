/** Reference forecasters scored on raw daily volumes (no shut-in handling): what the models must beat. */
export type BaselineName = 'naive' | 'seasonal_naive' | 'mean_7d';

/** Every baseline, in report order. */
export const BASELINE_NAMES: readonly BaselineName[] = ['naive', 'seasonal_naive', 'mean_7d'];

function lastKnown(values: Float64Array, origin: number): number {
  for (let index = origin - 1; index >= 0; index--) if (!Number.isNaN(values[index]!)) return values[index]!;
  return Number.NaN;
}

/**
 * Point forecast of a baseline for days `origin .. origin + horizon − 1` from `values[0..origin)`
 * (NaN = missing day): naive repeats the last known volume, seasonal naive the volume of the same
 * weekday one week earlier (earlier weeks if missing), `mean_7d` the mean of the last 7 calendar days.
 */
export function baselineForecast(
  name: BaselineName,
  values: Float64Array,
  origin: number,
  horizon: number,
): Float64Array {
  const last = lastKnown(values, origin);
  const forecast = new Float64Array(horizon);
  if (name === 'naive') return forecast.fill(last);
  if (name === 'mean_7d') {
    let sum = 0;
    let count = 0;
    for (let index = Math.max(0, origin - 7); index < origin; index++) {
      if (!Number.isNaN(values[index]!)) {
        sum += values[index]!;
        count++;
      }
    }
    return forecast.fill(count > 0 ? sum / count : last);
  }
  for (let step = 0; step < Math.min(horizon, 7); step++) {
    let value = last;
    for (let index = origin + step - 7; index >= Math.max(0, origin - 56); index -= 7) {
      if (!Number.isNaN(values[index]!)) {
        value = values[index]!;
        break;
      }
    }
    forecast[step] = value;
  }
  for (let step = 7; step < horizon; step++) forecast[step] = forecast[step % 7]!;
  return forecast;
}
