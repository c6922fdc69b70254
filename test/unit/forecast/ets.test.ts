import { describe, expect, it } from 'vitest';
import { forecastSeries } from '../../../src/domain/forecast/index.js';
import type { EtsParameters } from '../../../src/domain/forecast/models/ets.js';
import { etsFilter, etsForecast, etsRolling, fitEts } from '../../../src/domain/forecast/models/ets.js';
import { dailySeries, gaussian } from './synthetic.js';

describe('damped-trend exponential smoothing', () => {
  it('follows the error-correction recursions of ETS(A,Ad,N) step by step', () => {
    const parameters: EtsParameters = { alpha: 0.5, beta: 0.1, phi: 0.9, gamma: 0, seasonal: false };
    const state = { level: 9, trend: 1, season: new Float64Array(7) };
    const sse = etsFilter(Float64Array.from([10, 12, 13, 15]), 0, 4, parameters, state);
    // Hand computation: predictions 9.9, 10.769, 12.23239, 13.4483809.
    expect(sse).toBeCloseTo(0.1 ** 2 + 1.231 ** 2 + 0.76761 ** 2 + 1.5516191 ** 2, 10);
    expect(state.level).toBeCloseTo(14.22419045, 10);
    expect(state.trend).toBeCloseTo(0.98734781, 8);
    const forecast = etsForecast(state, parameters, 4, 3);
    expect(Array.from(forecast)).toEqual([
      expect.closeTo(15.112803479, 8),
      expect.closeTo(15.9125552051, 8),
      expect.closeTo(16.63233175859, 8),
    ]);
  });

  it('carries the state across missing days without correcting it', () => {
    const parameters: EtsParameters = { alpha: 0.5, beta: 0.1, phi: 0.9, gamma: 0, seasonal: false };
    const state = { level: 10, trend: 2, season: new Float64Array(7) };
    const sse = etsFilter(Float64Array.from([Number.NaN, Number.NaN]), 0, 2, parameters, state);
    expect(sse).toBe(0);
    expect(state.level).toBeCloseTo(10 + 1.8 + 1.62, 12);
    expect(state.trend).toBeCloseTo(1.62, 12);
  });

  it("continues a linear trend exactly with Holt's undamped method", () => {
    const values = Float64Array.from({ length: 120 }, (_, day) => 50 + 2 * day);
    const [forecast] = etsRolling(values, [120], 10, { seasonal: false, damped: false });
    for (let step = 0; step < 10; step++) expect(forecast![step]).toBeCloseTo(50 + 2 * (120 + step), 6);
  });

  it('estimates the steady-state gain of a local level model (alpha = 0.618 when q = 1)', () => {
    const noise = gaussian(42);
    let level = 100;
    const values = Float64Array.from({ length: 3000 }, () => {
      level += noise();
      return level + noise();
    });
    const fit = fitEts(values, values.length, { seasonal: false, window: 3000 })!;
    // SES is the steady-state Kalman filter of y = μ + ε, μ' = μ + η; q = σ²η/σ²ε = 1 gives α = (√5 − 1)/2.
    expect(fit.parameters.alpha).toBeGreaterThan(0.58);
    expect(fit.parameters.alpha).toBeLessThan(0.66);
    expect(fit.parameters.beta).toBeLessThan(0.05);
  });

  it('damps the trend of a noisy decline toward a flat forecast', () => {
    const noise = gaussian(3);
    const points = dailySeries(400, (day) => (1000 - day) * Math.exp(0.01 * noise()));
    const result = forecastSeries(points, { horizon: 60, models: ['ets'] });
    const path = result.points.map((point) => point.p50);
    expect(path[0]!).toBeGreaterThan(560);
    expect(path[0]!).toBeLessThan(640);
    const firstWeekDrop = path[0]! - path[6]!;
    const lastWeekDrop = path[53]! - path[59]!;
    expect(firstWeekDrop).toBeGreaterThan(0);
    expect(lastWeekDrop).toBeLessThan(firstWeekDrop);
  });
});
