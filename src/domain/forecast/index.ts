/**
 * Forecasting domain: daily production forecasts (naive, seasonal naive, damped-trend ETS, Arps decline)
 * chosen per series by rolling-origin backtest, with calibrated P10/P50/P90 and shut-in handling.
 * Pure TypeScript; no HTTP or I/O. See docs/forecasting.md.
 */

export type {
  BacktestOptions,
  BacktestProgress,
  BacktestReport,
  FamilyScores,
  HorizonScores,
  MethodName,
  NamedSeries,
  SeriesBacktest,
} from './backtest.js';
export {
  backtestSeries,
  backtestSteps,
  METHOD_NAMES,
  parseHorizonList,
  runBacktest,
  runBacktestAsync,
  selectSeries,
} from './backtest.js';
export type { BaselineName } from './baselines.js';
export { BASELINE_NAMES } from './baselines.js';
export type { ExternalCandidate, QuantileTriple } from './engine.js';
export type { ForecastInputErrorCode } from './errors.js';
export { FORECAST_ERROR_STATUS, ForecastInputError } from './errors.js';
export type { BatchForecastItem, ForecastTuning } from './forecast.js';
export { forecastMany, forecastSeries, forecastSeriesAsync } from './forecast.js';
export type { AccuracyMetrics } from './metrics.js';
export { AccuracyAccumulator, naiveScale } from './metrics.js';
export type { ArpsFit, ArpsParameters } from './models/arps.js';
export { arpsRate, fitArps } from './models/arps.js';
export type { EtsFit, EtsParameters } from './models/ets.js';
export { fitEts } from './models/ets.js';
export type { FormatOptions } from './report.js';
export { formatBacktestTable } from './report.js';
export type { WeeklySeasonalityTest } from './seasonality.js';
export { detectWeeklySeasonality } from './seasonality.js';
export type {
  CandidateScore,
  DailyPoint,
  ForecastOptions,
  ForecastPoint,
  ForecastResult,
  ModelName,
  SelectionBacktest,
  SelectionSummary,
} from './types.js';
export { HORIZON_RANGE, MODEL_NAMES } from './types.js';
