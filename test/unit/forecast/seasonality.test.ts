import { describe, expect, it } from 'vitest';
import { detectWeeklySeasonality, forecastSeries } from '../../../src/domain/forecast/index.js';
import { dailySeries, gaussian } from './synthetic.js';

const WEEKLY_PATTERN = [12, 6, 0, -3, -5, -8, -2];

describe('weekly seasonality', () => {
  it('detects a weekly pattern in a noisy series', () => {
    const noise = gaussian(11);
    const values = Float64Array.from(
      { length: 180 },
      (_, day) => 200 + WEEKLY_PATTERN[day % 7]! + 3 * noise(),
    );
    const test = detectWeeklySeasonality(values);
    expect(test.detected).toBe(true);
    expect(test.autocorrelation).toBeGreaterThan(0.5);
  });

  it('does not see a week in white noise or in a trend', () => {
    const noise = gaussian(12);
    const flat = Float64Array.from({ length: 365 }, () => 200 + 5 * noise());
    const trend = Float64Array.from({ length: 365 }, (_, day) => 500 - day + 5 * noise());
    expect(detectWeeklySeasonality(flat).detected).toBe(false);
    expect(detectWeeklySeasonality(trend).detected).toBe(false);
  });

  it('skips missing days instead of reading them as zero', () => {
    const noise = gaussian(13);
    const values = Float64Array.from({ length: 240 }, (_, day) =>
      day % 11 === 0 ? Number.NaN : 200 + WEEKLY_PATTERN[day % 7]! + 2 * noise(),
    );
    expect(detectWeeklySeasonality(values).detected).toBe(true);
  });

  it('lets seasonal ETS and seasonal naive forecast the weekly shape', () => {
    const noise = gaussian(14);
    const points = dailySeries(364, (day) => 200 + WEEKLY_PATTERN[day % 7]! + 2 * noise());
    const result = forecastSeries(points, { horizon: 14, models: ['naive', 'seasonal_naive', 'ets'] });
    expect(result.weeklySeasonality).toBe(true);
    expect(['ets', 'seasonal_naive']).toContain(result.model);
    const day364 = 364 % 7;
    result.points.forEach((point, step) => {
      const expected = 200 + WEEKLY_PATTERN[(day364 + step) % 7]!;
      expect(Math.abs(point.p50 - expected)).toBeLessThan(5);
    });
  });
});
