/** Result of the weekly seasonality test. */
export interface WeeklySeasonalityTest {
  detected: boolean;
  /** Lag-7 autocorrelation of the detrended series. */
  autocorrelation: number;
  /** Critical value the autocorrelation had to exceed. */
  threshold: number;
}

const MIN_EFFECT = 0.1;
const MIN_WINDOW_DAYS = 5;

/**
 * Tests for a weekly pattern: the series (log scale for positive data) is detrended by a centred 7-day
 * mean, and the lag-7 autocorrelation of the remainder must exceed both the 90 % one-sided Bartlett bound
 * 1.645·sqrt((1 + 2·Σ_{k<7} r_k²) / n) (the M4 benchmark's seasonality test) and 0.1.
 * Days that are NaN are skipped; the centred mean uses the known days of its window (at least 5 of 7).
 */
export function detectWeeklySeasonality(
  values: Float64Array,
  start = 0,
  end = values.length,
): WeeklySeasonalityTest {
  const length = end - start;
  const logs = new Float64Array(length);
  let allPositive = true;
  for (let index = 0; index < length; index++) {
    const value = values[start + index]!;
    if (!Number.isNaN(value) && value <= 0) allPositive = false;
  }
  for (let index = 0; index < length; index++) {
    const value = values[start + index]!;
    logs[index] = allPositive ? Math.log(value) : value;
  }
  const remainder = new Float64Array(length).fill(Number.NaN);
  for (let index = 3; index < length - 3; index++) {
    if (Number.isNaN(logs[index]!)) continue;
    let sum = 0;
    let count = 0;
    for (let offset = -3; offset <= 3; offset++) {
      const value = logs[index + offset]!;
      if (!Number.isNaN(value)) {
        sum += value;
        count++;
      }
    }
    if (count >= MIN_WINDOW_DAYS) remainder[index] = logs[index]! - sum / count;
  }
  let sum = 0;
  let count = 0;
  for (const value of remainder) {
    if (!Number.isNaN(value)) {
      sum += value;
      count++;
    }
  }
  if (count < 28) return { detected: false, autocorrelation: 0, threshold: Number.NaN };
  const mean = sum / count;
  let variance = 0;
  for (const value of remainder) if (!Number.isNaN(value)) variance += (value - mean) ** 2;
  if (variance === 0) return { detected: false, autocorrelation: 0, threshold: Number.NaN };
  const autocorrelationAt = (lag: number): number => {
    let cross = 0;
    for (let index = lag; index < length; index++) {
      const current = remainder[index]!;
      const previous = remainder[index - lag]!;
      if (!Number.isNaN(current) && !Number.isNaN(previous)) cross += (current - mean) * (previous - mean);
    }
    return cross / variance;
  };
  let squares = 0;
  for (let lag = 1; lag < 7; lag++) squares += autocorrelationAt(lag) ** 2;
  const autocorrelation = autocorrelationAt(7);
  const threshold = Math.max(MIN_EFFECT, 1.645 * Math.sqrt((1 + 2 * squares) / count));
  return { detected: autocorrelation > threshold, autocorrelation, threshold };
}
