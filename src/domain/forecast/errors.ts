/** Machine-readable reason a forecast or backtest request was rejected. */
export type ForecastInputErrorCode =
  | 'horizon_out_of_range'
  | 'interval_out_of_range'
  | 'series_too_short'
  | 'series_too_long'
  | 'unknown_series'
  | 'unknown_model'
  | 'invalid_date'
  | 'duplicate_date'
  | 'invalid_value';

/** HTTP status each code maps to: shape problems are 400, well-formed but unusable data is 422. */
export const FORECAST_ERROR_STATUS: Readonly<Record<ForecastInputErrorCode, 400 | 422>> = {
  horizon_out_of_range: 400,
  interval_out_of_range: 400,
  unknown_model: 400,
  invalid_date: 422,
  duplicate_date: 422,
  invalid_value: 422,
  series_too_short: 422,
  series_too_long: 422,
  unknown_series: 422,
};

/** Bad forecasting input: the caller can fix it; routes map `code` to 400/422 via `FORECAST_ERROR_STATUS`. */
export class ForecastInputError extends Error {
  readonly status: 400 | 422;

  constructor(
    readonly code: ForecastInputErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ForecastInputError';
    this.status = FORECAST_ERROR_STATUS[code];
  }
}
