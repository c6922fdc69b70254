/** One day of a production series. */
export interface DailyPoint {
  /** Production day, `YYYY-MM-DD`. */
  date: string;
  /** Volume produced that day (>= 0); zero on a shut-in day. */
  value: number;
  /** Hours on stream that day (0–25), when known; 0 marks a shut-in. */
  uptimeHours?: number | null;
}

/** Built-in rate models. */
export type ModelName = 'naive' | 'seasonal_naive' | 'ets' | 'arps';

/** Every built-in model, in the order they are tried. */
export const MODEL_NAMES: readonly ModelName[] = ['naive', 'seasonal_naive', 'ets', 'arps'];

/** Smallest and largest forecast horizon accepted, in days. */
export const HORIZON_RANGE = { min: 1, max: 180 } as const;

/** Options of `forecastSeries`. */
export interface ForecastOptions {
  /** Days to forecast after the last observation (1–180). */
  horizon: number;
  /** Central interval probability; `0.8` gives P10–P90 (default). Must be in [0.5, 0.98]. */
  interval?: number;
  /** Candidate models; all built-in models when absent. */
  models?: readonly ModelName[];
}

/** One forecast day. `p10`/`p50`/`p90` are always those quantiles; `lower`/`upper` bound the requested interval. */
export interface ForecastPoint {
  date: string;
  p10: number;
  p50: number;
  p90: number;
  lower: number;
  upper: number;
  /** Probability that the well is producing that day (1 − shut-in probability). */
  producingProbability: number;
}

/** Accuracy of the selected model on the rolling origins inside the history (the calibration window). */
export interface InSampleBacktest {
  /** Mean absolute scaled error of P50 over forecast days 1..horizonDays. */
  mase: number;
  /** Symmetric MAPE of P50, in percent (0–200). */
  smape: number;
  /** Signed error of P50 relative to the actual volume: Σ(forecast − actual) / Σ actual. */
  bias: number;
  /** Share of actual days inside [lower, upper]. */
  coverage: number;
  horizonDays: number;
  origins: number;
}

/** Selection score of one candidate model. */
export interface CandidateScore {
  model: ModelName;
  /** Mean absolute scaled error of the rate forecast on producing days of the calibration window. */
  score: number;
}

/** Result of `forecastSeries`. */
export interface ForecastResult {
  model: ModelName;
  /** Last history date the forecast is conditioned on (the forecast starts the day after). */
  fittedAt: string;
  horizon: number;
  interval: number;
  /** Whether a weekly pattern was detected (and used by seasonal models). */
  weeklySeasonality: boolean;
  /** Whether the last observed day is a shut-in, and how long the current run of shut-in days is. */
  shutIn: { current: boolean; currentRunDays: number; historicalFraction: number };
  points: ForecastPoint[];
  candidates: CandidateScore[];
  backtest: InSampleBacktest;
}
