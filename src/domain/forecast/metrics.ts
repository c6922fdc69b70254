/** Accuracy of one method at one horizon over a set of origins. */
export interface AccuracyMetrics {
  /** Mean over origins of MAE / in-sample one-step naive MAE. */
  mase: number;
  /** Mean over origins of the mean of 200·|f − y| / (|f| + |y|) (0 when both are 0), in percent. */
  smape: number;
  /** Σ(forecast − actual) / Σ actual over all scored days (signed; +0.05 = 5 % over-forecast). */
  bias: number;
  /** Share of scored days with lower ≤ actual ≤ upper. */
  coverage: number;
  origins: number;
  days: number;
}

/** Running sums behind `AccuracyMetrics`; merge them to aggregate across series. */
export class AccuracyAccumulator {
  maseSum = 0;
  smapeSum = 0;
  errorSum = 0;
  actualSum = 0;
  covered = 0;
  days = 0;
  origins = 0;

  /**
   * Scores one origin: `actuals[i]` (NaN = missing, skipped) against the forecast quantities at the same
   * index, MASE scaled by `scale`. Origins without any known actual are ignored.
   */
  addOrigin(
    actuals: ArrayLike<number>,
    p50: ArrayLike<number>,
    lower: ArrayLike<number>,
    upper: ArrayLike<number>,
    scale: number,
  ): void {
    let absolute = 0;
    let smape = 0;
    let days = 0;
    for (let index = 0; index < actuals.length; index++) {
      const actual = actuals[index]!;
      if (Number.isNaN(actual)) continue;
      const forecast = p50[index]!;
      const error = forecast - actual;
      absolute += Math.abs(error);
      const denominator = Math.abs(forecast) + Math.abs(actual);
      smape += denominator === 0 ? 0 : (200 * Math.abs(error)) / denominator;
      this.errorSum += error;
      this.actualSum += actual;
      if (actual >= lower[index]! && actual <= upper[index]!) this.covered++;
      days++;
    }
    if (days === 0) return;
    this.maseSum += absolute / days / scale;
    this.smapeSum += smape / days;
    this.days += days;
    this.origins++;
  }

  /** Adds another accumulator's sums into this one. */
  merge(other: AccuracyAccumulator): this {
    this.maseSum += other.maseSum;
    this.smapeSum += other.smapeSum;
    this.errorSum += other.errorSum;
    this.actualSum += other.actualSum;
    this.covered += other.covered;
    this.days += other.days;
    this.origins += other.origins;
    return this;
  }

  /** The metrics; NaN where nothing was scored. */
  result(): AccuracyMetrics {
    const origins = this.origins;
    return {
      mase: origins > 0 ? this.maseSum / origins : Number.NaN,
      smape: origins > 0 ? this.smapeSum / origins : Number.NaN,
      bias: this.actualSum > 0 ? this.errorSum / this.actualSum : Number.NaN,
      coverage: this.days > 0 ? this.covered / this.days : Number.NaN,
      origins,
      days: this.days,
    };
  }
}

/** Mean absolute change between consecutive known days of `values[0..end)`: the MASE scale. */
export function naiveScale(values: Float64Array, end: number): number {
  let sum = 0;
  let count = 0;
  for (let index = 1; index < end; index++) {
    const current = values[index]!;
    const previous = values[index - 1]!;
    if (Number.isNaN(current) || Number.isNaN(previous)) continue;
    sum += Math.abs(current - previous);
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/**
 * `naiveScale(values, end)` for every end of `ends` (ascending) in one pass: the running sums are the same
 * additions in the same order, so each figure equals the one-off call exactly.
 */
export function naiveScales(values: Float64Array, ends: readonly number[]): number[] {
  const scales: number[] = [];
  let sum = 0;
  let count = 0;
  let index = 1;
  for (const end of ends) {
    for (; index < end; index++) {
      const current = values[index]!;
      const previous = values[index - 1]!;
      if (Number.isNaN(current) || Number.isNaN(previous)) continue;
      sum += Math.abs(current - previous);
      count++;
    }
    scales.push(count > 0 ? sum / count : Number.NaN);
  }
  return scales;
}
