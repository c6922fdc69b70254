import { describe, expect, it } from 'vitest';
import { AccuracyAccumulator, forecastSeries } from '../../../src/domain/forecast/index.js';
import { DayStatus, prepareSeries } from '../../../src/domain/forecast/series.js';
import type { UptimeModel } from '../../../src/domain/forecast/uptime.js';
import { currentSpell, fitUptimeModel, producingProbabilities } from '../../../src/domain/forecast/uptime.js';
import { dailySeries, gaussian } from './synthetic.js';

/** 40 days on, 4 days shut in, repeated; the rate declines slowly. */
function cyclingWell(length: number, seed = 5) {
  const noise = gaussian(seed);
  return dailySeries(
    length,
    (day) => (day % 44 >= 40 ? 0 : (800 - 0.2 * day) * Math.exp(0.02 * noise())),
    (day) => (day % 44 >= 40 ? 0 : 24),
  );
}

describe('shut-in days', () => {
  it('classifies zero output and zero hours as shut-ins and scales partial days to a full-day rate', () => {
    const series = prepareSeries([
      { date: '2024-01-01', value: 100, uptimeHours: 24 },
      { date: '2024-01-02', value: 0, uptimeHours: 0 },
      { date: '2024-01-03', value: 40, uptimeHours: 0 },
      { date: '2024-01-05', value: 50, uptimeHours: 12 },
      { date: '2024-01-06', value: 10, uptimeHours: 2 },
      { date: '2024-01-07', value: 0.2 },
    ]);
    expect(Array.from(series.status)).toEqual([
      DayStatus.producing,
      DayStatus.shutIn,
      DayStatus.shutIn,
      DayStatus.missing,
      DayStatus.producing,
      DayStatus.producing,
      DayStatus.shutIn,
    ]);
    expect(series.rates[0]).toBe(100);
    expect(series.rates[4]).toBe(100);
    expect(Number.isNaN(series.rates[1]!)).toBe(true);
    expect(Number.isNaN(series.rates[5]!)).toBe(true);
  });

  it('keeps the trend through a shut-in instead of forecasting a collapse', () => {
    const history = cyclingWell(44 * 12 + 41);
    const result = forecastSeries(history, { horizon: 30 });
    expect(result.shutIn.current).toBe(true);
    expect(result.shutIn.currentRunDays).toBe(1);
    expect(result.points[0]!.producingProbability).toBeLessThan(0.2);
    expect(result.points[0]!.p50).toBe(0);
    const rateAfterRestart = 800 - 0.2 * (44 * 12 + 50);
    const day10 = result.points[9]!;
    // 12 shut-ins all ended after 4 days; the prior keeps 2/14 of the hazard for a longer, unseen kind.
    expect(day10.producingProbability).toBeGreaterThan(0.85);
    expect(day10.producingProbability).toBeLessThan(0.95);
    expect(Math.abs(day10.p50 - rateAfterRestart) / rateAfterRestart).toBeLessThan(0.05);
  });

  it('predicts the next shut-in of a regular on/off cycle', () => {
    const history = cyclingWell(44 * 12 + 30);
    const result = forecastSeries(history, { horizon: 20 });
    const probabilities = result.points.map((point) => point.producingProbability);
    expect(probabilities[0]).toBeGreaterThan(0.95);
    expect(Math.min(...probabilities.slice(10, 14))).toBeLessThan(0.3);
    expect(probabilities[18]).toBeGreaterThan(0.8);
  });

  it('keeps a shut-in longer than any seen before shut', () => {
    const producing = cyclingWell(44 * 12 + 40);
    const history = dailySeries(
      44 * 12 + 100,
      (day) => producing[day]?.value ?? 0,
      (day) => producing[day]?.uptimeHours ?? 0,
    );
    const result = forecastSeries(history, { horizon: 30 });
    expect(result.shutIn.currentRunDays).toBe(60);
    for (const point of result.points) {
      expect(point.producingProbability).toBeLessThan(0.05);
      expect(point.p50).toBe(0);
    }
  });

  it('propagates the on/off chain exactly for constant hazards (Markov closed form)', () => {
    const off = 0.05;
    const on = 0.3;
    const model: UptimeModel = {
      currentlyProducing: false,
      currentAge: 3,
      producingHazard: new Float64Array(50).fill(off),
      shutInHazard: new Float64Array(50).fill(on),
      shutInFraction: 0,
    };
    const probabilities = producingProbabilities(model, 40);
    const stationary = on / (on + off);
    probabilities.forEach((probability, step) => {
      const expected = stationary + (0 - stationary) * (1 - on - off) ** (step + 1);
      expect(probability).toBeCloseTo(expected, 12);
    });
  });

  it('estimates spell hazards from the history', () => {
    const series = prepareSeries(cyclingWell(44 * 20));
    const model = fitUptimeModel(series.status, series.length, { window: 44 * 20 });
    expect(model.shutInFraction).toBeCloseTo(4 / 44, 2);
    expect(model.producingHazard[40]).toBeGreaterThan(0.8);
    expect(model.producingHazard[20]).toBeLessThan(0.05);
    expect(model.shutInHazard[4]).toBeGreaterThan(0.8);
    expect(currentSpell(series.status, 44 * 20 - 2)).toEqual({ producing: false, age: 2 });
  });

  it('scores shut-in days like any other day and skips days without a row', () => {
    const accumulator = new AccuracyAccumulator();
    accumulator.addOrigin(
      [100, 0, Number.NaN, 100],
      [100, 100, 100, 100],
      [0, 0, 0, 0],
      [50, 50, 50, 50],
      10,
    );
    const metrics = accumulator.result();
    expect(metrics.days).toBe(3);
    expect(metrics.mase).toBeCloseTo(100 / 3 / 10, 12);
    expect(metrics.smape).toBeCloseTo(200 / 3, 12);
    expect(metrics.bias).toBeCloseTo(100 / 200, 12);
    expect(metrics.coverage).toBeCloseTo(1 / 3, 12);
  });
});
