import { describe, expect, it } from 'vitest';
import { forecastSeries } from '../../../src/domain/forecast/index.js';
import {
  arpsLogShape,
  arpsRate,
  DEFAULT_TERMINAL_DECLINE,
  fitArps,
} from '../../../src/domain/forecast/models/arps.js';
import { dailySeries, gaussian } from './synthetic.js';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('Arps decline curves', () => {
  it('recovers a synthetic hyperbolic curve with terminal decline exactly', () => {
    const truth = { qi: 1200, di: 0.004, b: 0.7, terminalDecline: 0.0012 };
    const times = Array.from({ length: 1200 }, (_, day) => day);
    const rates = times.map((t) => arpsRate(truth, t));
    const switchTime = (truth.di / truth.terminalDecline - 1) / (truth.b * truth.di);
    expect(switchTime).toBeGreaterThan(600);
    expect(switchTime).toBeLessThan(1000);

    const fit = fitArps(times, rates, { terminalDecline: truth.terminalDecline })!;
    expect(relative(fit.parameters.qi, truth.qi)).toBeLessThan(1e-5);
    expect(relative(fit.parameters.di, truth.di)).toBeLessThan(1e-4);
    expect(Math.abs(fit.parameters.b - truth.b)).toBeLessThan(1e-4);
    expect(fit.rmseLog).toBeLessThan(1e-6);
  });

  it('recovers an exponential decline as b ≈ 0', () => {
    const truth = { qi: 800, di: 0.002, b: 0, terminalDecline: DEFAULT_TERMINAL_DECLINE };
    const times = Array.from({ length: 400 }, (_, day) => day);
    const fit = fitArps(
      times,
      times.map((t) => arpsRate(truth, t)),
    )!;
    expect(fit.parameters.b).toBeLessThan(1e-3);
    expect(relative(fit.parameters.di, truth.di)).toBeLessThan(1e-3);
    expect(relative(fit.parameters.qi, truth.qi)).toBeLessThan(1e-4);
  });

  it('switches to the terminal exponential decline continuously', () => {
    const di = 0.01;
    const b = 1;
    const terminal = 0.0005;
    const switchTime = (di / terminal - 1) / (b * di);
    const before = arpsLogShape(switchTime - 1e-6, di, b, terminal);
    const after = arpsLogShape(switchTime + 1e-6, di, b, terminal);
    expect(Math.abs(after - before)).toBeLessThan(1e-6);
    const slope =
      arpsLogShape(switchTime + 101, di, b, terminal) - arpsLogShape(switchTime + 100, di, b, terminal);
    expect(slope).toBeCloseTo(-terminal, 12);
    const hyperbolicSlope = arpsLogShape(11, di, b, terminal) - arpsLogShape(10, di, b, terminal);
    expect(hyperbolicSlope).toBeLessThan(-terminal * 5);
  });

  it('forecasts a noisy declining well close to the true curve', () => {
    const truth = { qi: 2000, di: 0.003, b: 0.5, terminalDecline: DEFAULT_TERMINAL_DECLINE };
    const noise = gaussian(7);
    const points = dailySeries(500, (day) => arpsRate(truth, day) * Math.exp(0.03 * noise()));
    const result = forecastSeries(points, { horizon: 90, models: ['arps'] });
    expect(result.model).toBe('arps');
    const p50 = result.points[89]!.p50;
    expect(relative(p50, arpsRate(truth, 589))).toBeLessThan(0.03);
    expect(result.points[89]!.p10).toBeLessThan(arpsRate(truth, 589));
    expect(result.points[89]!.p90).toBeGreaterThan(arpsRate(truth, 589));
  });

  it('is not applicable to a rising series', () => {
    const points = dailySeries(300, (day) => 100 + day);
    const result = forecastSeries(points, { horizon: 7, models: ['arps', 'naive'] });
    const arps = result.candidates.find((candidate) => candidate.model === 'arps')!;
    expect(arps.score).toBeNull();
    expect(arps.eligible).toBe(false);
    expect(result.model).toBe('naive');
  });
});
