import { quantileSorted } from './stats.js';

/** Upper bounds (inclusive) of the horizon bands that pool residuals for calibration. */
const BAND_EDGES = [1, 2, 3, 5, 8, 12, 18, 27, 40, 60, 90, 135, 180] as const;
const MIN_BAND_SAMPLES = 20;

/** Band of every step up to the last edge (index = step); later steps fall in the last band. */
const BAND_OF_STEP = Uint8Array.from({ length: BAND_EDGES[BAND_EDGES.length - 1] + 1 }, (_, step) => {
  const index = BAND_EDGES.findIndex((edge) => step <= edge);
  return index < 0 ? BAND_EDGES.length - 1 : index;
});

function bandOf(step: number): number {
  return step < BAND_OF_STEP.length ? BAND_OF_STEP[step]! : BAND_EDGES.length - 1;
}

/**
 * Empirical forecast-error distributions per horizon band, collected on backtest origins.
 * Steps are 1-based (step 1 = the day after the origin).
 */
export class ResidualCalibrator {
  private readonly bands: number[][] = BAND_EDGES.map(() => []);
  private sorted: Float64Array[] | null = null;

  /** Records one residual (a ratio actual/forecast, or a difference actual − forecast) at a step. */
  add(step: number, residual: number): void {
    this.bands[bandOf(step)]!.push(residual);
    this.sorted = null;
  }

  /** Number of residuals recorded. */
  get size(): number {
    return this.bands.reduce((total, band) => total + band.length, 0);
  }

  /**
   * Sorted residuals used at `step`: its own band, widened to neighbouring bands (nearest first, the
   * shorter side first) until at least 20 residuals are pooled. Empty when nothing was recorded.
   */
  residualsAt(step: number): Float64Array {
    if (!this.sorted) this.sorted = this.pool();
    return this.sorted[bandOf(step)]!;
  }

  /** Quantile of the residuals used at `step`; `fallback` when there are none. */
  quantile(step: number, level: number, fallback: number): number {
    const residuals = this.residualsAt(step);
    return residuals.length === 0 ? fallback : quantileSorted(residuals, level);
  }

  private pool(): Float64Array[] {
    return this.bands.map((_, band) => {
      const pooled = [...this.bands[band]!];
      for (let distance = 1; pooled.length < MIN_BAND_SAMPLES && distance < BAND_EDGES.length; distance++) {
        pooled.push(...(this.bands[band - distance] ?? []), ...(this.bands[band + distance] ?? []));
      }
      return Float64Array.from(pooled).sort();
    });
  }
}

/**
 * Quantile of a zero-inflated forecast distribution: the day is a shut-in (volume 0) with probability
 * `1 − producingProbability`, otherwise `quantileWhenProducing(level)` applies.
 */
export function mixtureQuantile(
  level: number,
  producingProbability: number,
  quantileWhenProducing: (level: number) => number,
): number {
  const shutInProbability = 1 - producingProbability;
  if (level <= shutInProbability + 1e-12 || producingProbability <= 0) return 0;
  return quantileWhenProducing(Math.min(1, (level - shutInProbability) / producingProbability));
}
