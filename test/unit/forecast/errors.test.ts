import { describe, expect, it } from 'vitest';
import {
  FORECAST_ERROR_STATUS,
  ForecastInputError,
  type ForecastInputErrorCode,
  forecastSeries,
  parseHorizonList,
  runBacktest,
  selectSeries,
} from '../../../src/domain/forecast/index.js';
import { dailySeries } from './synthetic.js';

const healthy = dailySeries(200, (day) => 500 - day);

function codeOf(action: () => unknown): ForecastInputErrorCode | 'no error' {
  try {
    action();
    return 'no error';
  } catch (error) {
    if (error instanceof ForecastInputError) return error.code;
    throw error;
  }
}

describe('forecast input errors', () => {
  it.each([0, 181, 1.5, Number.NaN, -7])('rejects horizon %s with 400', (horizon) => {
    expect(codeOf(() => forecastSeries(healthy, { horizon }))).toBe('horizon_out_of_range');
    expect(FORECAST_ERROR_STATUS.horizon_out_of_range).toBe(400);
  });

  it('accepts the horizon bounds 1 and 180', () => {
    expect(forecastSeries(healthy, { horizon: 1 }).points).toHaveLength(1);
    expect(forecastSeries(healthy, { horizon: 180 }).points).toHaveLength(180);
  });

  it('explains the accepted range in the message', () => {
    expect(() => forecastSeries(healthy, { horizon: 365 })).toThrow(/between 1 and 180, got 365/);
  });

  it('rejects intervals and models it does not know', () => {
    expect(codeOf(() => forecastSeries(healthy, { horizon: 7, interval: 0.3 }))).toBe(
      'interval_out_of_range',
    );
    expect(codeOf(() => forecastSeries(healthy, { horizon: 7, models: ['prophet' as 'ets'] }))).toBe(
      'unknown_model',
    );
    expect(codeOf(() => forecastSeries(healthy, { horizon: 7, models: [] }))).toBe('unknown_model');
  });

  it('rejects malformed points with 422', () => {
    const withDate = (date: string) => [...healthy.slice(0, 50), { date, value: 1 }];
    expect(codeOf(() => forecastSeries(withDate('2024-02-30'), { horizon: 7 }))).toBe('invalid_date');
    expect(codeOf(() => forecastSeries(withDate('24-02-01'), { horizon: 7 }))).toBe('invalid_date');
    expect(codeOf(() => forecastSeries(withDate(healthy[3]!.date), { horizon: 7 }))).toBe('duplicate_date');
    const negative = [...healthy.slice(0, 50), { date: '2030-01-01', value: -3 }];
    expect(codeOf(() => forecastSeries(negative, { horizon: 7 }))).toBe('invalid_value');
    const badHours = [...healthy.slice(0, 50), { date: '2030-01-01', value: 3, uptimeHours: 30 }];
    expect(codeOf(() => forecastSeries(badHours, { horizon: 7 }))).toBe('invalid_value');
    expect(FORECAST_ERROR_STATUS.invalid_date).toBe(422);
  });

  it('rejects a series too short to fit with 422 and says how much is needed', () => {
    const short = dailySeries(10, () => 100);
    const error = (() => {
      try {
        forecastSeries(short, { horizon: 7 });
      } catch (caught) {
        return caught;
      }
    })() as ForecastInputError;
    expect(error).toBeInstanceOf(ForecastInputError);
    expect(error.code).toBe('series_too_short');
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/at least|more than 14 producing days/);
    expect(codeOf(() => forecastSeries([], { horizon: 7 }))).toBe('series_too_short');
  });

  it('refuses a calendar span that would allocate decades of empty days', () => {
    const sparse = [...healthy.slice(0, 50), { date: '2099-01-01', value: 5 }];
    expect(codeOf(() => forecastSeries(sparse, { horizon: 7 }))).toBe('series_too_long');
  });

  it('counts only producing days toward the minimum history', () => {
    const mostlyShut = dailySeries(120, (day) => (day < 10 ? 100 : 0));
    expect(codeOf(() => forecastSeries(mostlyShut, { horizon: 7 }))).toBe('series_too_short');
  });

  it('rejects unknown series ids and malformed horizon lists for the CLI', () => {
    expect(codeOf(() => selectSeries([{ id: 'A' }, { id: 'B' }], ['B', 'Z']))).toBe('unknown_series');
    expect(selectSeries([{ id: 'A' }, { id: 'B' }], ['B'])).toEqual([{ id: 'B' }]);
    expect(parseHorizonList('7, 30,90')).toEqual([7, 30, 90]);
    expect(codeOf(() => parseHorizonList('7,abc'))).toBe('horizon_out_of_range');
    expect(codeOf(() => parseHorizonList('7,200'))).toBe('horizon_out_of_range');
    expect(codeOf(() => runBacktest([{ id: 'A', points: healthy }], { horizons: [] }))).toBe(
      'horizon_out_of_range',
    );
  });
});
