import type { ExternalCandidate } from './engine.js';

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
export type ModelName = 'naive' | 'seasonal_naive' | 'ets' | 'arps' | 'combination';

/** Every built-in model, in the order they are tried (naive first: it wins ties). */
export const MODEL_NAMES: readonly ModelName[] = ['naive', 'seasonal_naive', 'ets', 'arps', 'combination'];

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
  /** Forecasts made elsewhere (warehouse rows) competing with the built-in models on the same origins. */
  external?: readonly ExternalCandidate[];
  /** Serve this external candidate whatever the scores (it is still scored and reported). */
  forceExternal?: string;
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

/**
 * Accuracy of the selected model on the selection origins inside the history: every forecast uses only the
 * days before its origin, and its interval ratios come from the other half of the origins (cross-fitted).
 * The choice among candidates was made on the same origins, so the winner's figure is slightly optimistic;
 * `runBacktest` gives holdout numbers.
 */
export interface SelectionBacktest {
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

/** Out-of-sample score of one candidate on the selection origins. */
export interface CandidateScore {
  /** A built-in model name, or the name of an external (warehouse) forecast. */
  model: string;
  source: 'builtin' | 'external';
  /** MASE of the P50 volume over days 1..horizon, averaged over the origins; null when not scored. */
  score: number | null;
  /** Share of actual days inside the candidate's calibrated [lower, upper] on those origins. */
  coverage: number | null;
  /** External only: share of actual days inside the P10–P90 band as issued (before re-calibration). */
  issuedCoverage: number | null;
  /** Origins scored. */
  origins: number;
  /** False when the candidate could not forecast from every selection origin (it cannot be chosen). */
  eligible: boolean;
  /** Why an ineligible candidate was not scored. */
  note?: string;
}

/** Why the forecast's model was chosen: every candidate scored out of sample on the same origins. */
export interface SelectionSummary {
  chosen: string;
  reason: string;
  /** `mase_1_to_h`: MASE of P50 over days 1..horizon after each origin, mean over origins. */
  metric: 'mase_1_to_h';
  horizonDays: number;
  origins: number;
  /** Dates of the first and last selection origin (the first forecast day of each). */
  firstOrigin: string | null;
  lastOrigin: string | null;
}

/** Result of `forecastSeries`. */
export interface ForecastResult {
  /** The chosen candidate (a built-in model name, or an external candidate's name). */
  model: string;
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
  selection: SelectionSummary;
  /** Whether the chosen candidate is an external forecast. */
  external: boolean;
  /** `conformal`: interval from out-of-sample ratios per horizon band; `as_issued`: an external band kept as is. */
  intervalCalibration: 'conformal' | 'as_issued';
  backtest: SelectionBacktest;
}
