import { describe, expect, it } from 'vitest';
import { mixtureQuantile, ResidualCalibrator } from '../../../src/domain/forecast/calibration.js';
import { forecastSeries, runBacktest } from '../../../src/domain/forecast/index.js';
import { dailySeries, gaussian } from './synthetic.js';

describe('calibrated prediction intervals', () => {
  it('covers about 80 % of a noisy series out of sample at P10–P90', () => {
    const noise = gaussian(21);
    let level = 1000;
    const points = dailySeries(700, () => {
      level *= Math.exp(0.01 * noise() - 0.0005);
      return level * Math.exp(0.08 * noise());
    });
    const report = runBacktest([{ id: 'noisy', points }], {
      horizons: [7, 30],
      originStep: 10,
      minTrainingDays: 200,
    });
    for (const scores of report.aggregate) {
      expect(scores.overWindow.selected.coverage).toBeGreaterThan(0.7);
      expect(scores.overWindow.selected.coverage).toBeLessThan(0.9);
    }
  });

  it('orders the quantiles and widens with the interval and the horizon', () => {
    const noise = gaussian(22);
    const points = dailySeries(400, (day) => (600 - 0.3 * day) * Math.exp(0.1 * noise()));
    const narrow = forecastSeries(points, { horizon: 60 });
    const wide = forecastSeries(points, { horizon: 60, interval: 0.95 });
    for (const [index, point] of narrow.points.entries()) {
      expect(point.p10).toBeLessThanOrEqual(point.p50);
      expect(point.p50).toBeLessThanOrEqual(point.p90);
      expect(point.lower).toBe(point.p10);
      expect(point.upper).toBe(point.p90);
      expect(wide.points[index]!.lower).toBeLessThanOrEqual(point.p10);
      expect(wide.points[index]!.upper).toBeGreaterThanOrEqual(point.p90);
    }
    const spread = (step: number) => narrow.points[step]!.p90 - narrow.points[step]!.p10;
    expect(spread(59)).toBeGreaterThan(spread(0));
    expect(narrow.backtest.coverage).toBeGreaterThan(0.6);
    expect(narrow.backtest.origins).toBeGreaterThan(10);
  });

  it('pools residuals of neighbouring horizons until there are enough', () => {
    const calibrator = new ResidualCalibrator();
    for (let index = 0; index < 30; index++) calibrator.add(1, index);
    for (let index = 0; index < 5; index++) calibrator.add(100, 1000 + index);
    expect(calibrator.residualsAt(1)).toHaveLength(30);
    expect(calibrator.quantile(1, 0.5, Number.NaN)).toBeCloseTo(14.5, 12);
    const far = calibrator.residualsAt(100);
    expect(far.length).toBeGreaterThanOrEqual(20);
    expect(Array.from(far)).toContain(1004);
    expect(new ResidualCalibrator().quantile(3, 0.5, 7)).toBe(7);
  });

  it('puts the shut-in probability at the bottom of the distribution', () => {
    const uniform = (level: number) => 100 * level;
    expect(mixtureQuantile(0.1, 0.8, uniform)).toBe(0);
    expect(mixtureQuantile(0.2, 0.8, uniform)).toBe(0);
    expect(mixtureQuantile(0.6, 0.8, uniform)).toBeCloseTo(50, 12);
    expect(mixtureQuantile(0.9, 1, uniform)).toBeCloseTo(90, 12);
    expect(mixtureQuantile(0.9, 0, uniform)).toBe(0);
  });
});
