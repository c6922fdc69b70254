import { describe, expect, it } from 'vitest';
import type { ExternalCandidate, QuantileTriple } from '../../../src/domain/forecast/index.js';
import { forecastSeries, MODEL_NAMES, runBacktest } from '../../../src/domain/forecast/index.js';
import { dailySeries, gaussian } from './synthetic.js';

/** A random walk: naive is the best forecast there is. */
function randomWalk(seed: number, length: number) {
  const noise = gaussian(seed);
  let level = 500;
  const values = Array.from({ length }, () => {
    level = Math.max(50, level + 8 * noise());
    return level;
  });
  return { values, points: dailySeries(length, (day) => values[day]!) };
}

/** An external forecast that, from each origin, returns `path(origin, step)`; `issuedBefore(origin)` says whether it existed then. */
function external(
  name: string,
  path: (origin: number, step: number) => number,
  issuedBefore: (origin: number) => boolean,
): ExternalCandidate {
  return {
    name,
    pathAt(origin: number, steps: number): QuantileTriple | null {
      if (!issuedBefore(origin)) return null;
      const p50 = Float64Array.from({ length: steps }, (_, step) => path(origin, step));
      return { p10: p50.map((value) => value * 0.9), p50, p90: p50.map((value) => value * 1.1) };
    },
  };
}

describe('model selection scored out of sample', () => {
  it('scores every candidate on the same origins and horizon and names the winner', () => {
    const { points } = randomWalk(5, 600);
    const result = forecastSeries(points, { horizon: 14 });
    expect(result.candidates.map((candidate) => candidate.model)).toEqual([...MODEL_NAMES]);
    const scored = result.candidates.filter((candidate) => candidate.eligible);
    expect(scored.length).toBeGreaterThanOrEqual(3);
    for (const candidate of scored) {
      expect(candidate.origins).toBe(result.selection.origins);
      expect(candidate.score).toBeGreaterThan(0);
    }
    const best = Math.min(...scored.map((candidate) => candidate.score!));
    expect(result.candidates.find((candidate) => candidate.model === result.model)?.score).toBe(best);
    expect(result.selection).toMatchObject({ chosen: result.model, horizonDays: 14, metric: 'mase_1_to_h' });
    expect(result.selection.origins).toBeGreaterThan(100);
    expect(result.selection.lastOrigin! <= points.at(-1)!.date).toBe(true);
    expect(result.backtest.origins).toBe(result.selection.origins);
  });

  it('lets naive win when nothing beats it', () => {
    const { points, values } = randomWalk(9, 500);
    const result = forecastSeries(points, {
      horizon: 7,
      models: ['naive'],
      external: [
        external(
          'shifted',
          (origin) => values[origin - 1]! * 1.3,
          () => true,
        ),
      ],
    });
    expect(result.model).toBe('naive');
    expect(result.selection.reason).toMatch(/no candidate beat naive/);
  });

  it('never chooses a candidate that is perfect only on days it saw (issued after them)', () => {
    const { points, values } = randomWalk(11, 500);
    const perfectInSample = external(
      'hindcast',
      (origin, step) => values[origin + step] ?? values.at(-1)! * 2,
      (origin) => origin >= values.length,
    );
    const result = forecastSeries(points, { horizon: 7, external: [perfectInSample] });
    const hindcast = result.candidates.find((candidate) => candidate.model === 'hindcast')!;
    expect(hindcast).toMatchObject({ eligible: false, score: null, source: 'external' });
    expect(hindcast.note).toMatch(/not out of sample/);
    expect(result.external).toBe(false);
    expect(result.model).not.toBe('hindcast');
  });

  it('chooses the same perfect forecast when it was issued before each origin, with conformal bands', () => {
    const { points, values } = randomWalk(13, 500);
    const ahead = external(
      'ahead',
      (origin, step) => values[origin + step] ?? values.at(-1)!,
      () => true,
    );
    const result = forecastSeries(points, { horizon: 7, external: [ahead] });
    expect(result.model).toBe('ahead');
    expect(result.external).toBe(true);
    expect(result.intervalCalibration).toBe('conformal');
    const candidate = result.candidates.find((item) => item.model === 'ahead')!;
    expect(candidate.issuedCoverage).toBe(1);
    expect(candidate.score).toBeLessThan(1e-9);
    const point = result.points[0]!;
    expect(point.p90 - point.p10).toBeLessThan(1e-6 * point.p50);
  });
});

describe('one code path for the API and the backtest', () => {
  it('scores at a backtest origin exactly the forecast the API makes from the history before it', () => {
    const noise = gaussian(17);
    let level = 800;
    const points = dailySeries(
      420,
      (day) => {
        level *= Math.exp(0.02 * noise() - 0.001);
        return day % 37 < 3 && day > 0 ? 0 : level;
      },
      (day) => (day % 37 < 3 && day > 0 ? 0 : 24),
    );
    const origin = 360;
    const report = runBacktest([{ id: 'well', points }], {
      horizons: [7],
      minTrainingDays: origin,
      originStep: 1000,
    });
    const api = forecastSeries(points.slice(0, origin), { horizon: 7 });
    const scores = report.aggregate[0]!;
    expect(scores.selectedModels).toEqual({ [api.model]: 1 });
    let sum = 0;
    let count = 0;
    for (let day = 1; day < origin; day++) {
      sum += Math.abs(points[day]!.value - points[day - 1]!.value);
      count++;
    }
    const expected = Math.abs(api.points[6]!.p50 - points[origin + 6]!.value) / (sum / count);
    expect(scores.atHorizon.selected.mase).toBeCloseTo(expected, 10);
  });
});
