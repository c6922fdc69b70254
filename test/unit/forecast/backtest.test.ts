import { describe, expect, it } from 'vitest';
import {
  backtestSeries,
  formatBacktestTable,
  METHOD_NAMES,
  runBacktest,
  runBacktestAsync,
} from '../../../src/domain/forecast/index.js';
import { dailySeries, gaussian } from './synthetic.js';

function decliningWell(seed: number, length: number) {
  const noise = gaussian(seed);
  return dailySeries(
    length,
    (day) => (day % 60 === 59 ? 0 : 900 * Math.exp(-0.002 * day) * Math.exp(0.05 * noise())),
    (day) => (day % 60 === 59 ? 0 : 24),
  );
}

describe('rolling-origin backtest', () => {
  const series = [
    { id: 'A', points: decliningWell(31, 420) },
    { id: 'B', points: decliningWell(32, 300).filter((_, day) => day % 37 !== 5) },
  ];

  it('scores every method per series and in aggregate, with naive as the unit', () => {
    const progress: [number, number][] = [];
    const report = runBacktest(series, {
      horizons: [30, 7],
      originStep: 14,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(report.horizons).toEqual([7, 30]);
    expect(report.series.map((item) => item.id)).toEqual(['A', 'B']);
    const total = progress[progress.length - 1]![1];
    expect(progress[progress.length - 1]![0]).toBe(total);
    // Origins every 14 days from day 120: A (420 days) has 22, B (300 calendar days) has 13.
    expect(total).toBe(22 + 13);
    for (const scores of report.aggregate) {
      expect(scores.ratioToNaive.naive).toBe(1);
      for (const method of METHOD_NAMES) {
        expect(scores.atHorizon[method].origins).toBe(scores.atHorizon.naive.origins);
        expect(Number.isFinite(scores.atHorizon[method].mase)).toBe(true);
      }
      const perSeriesOrigins = report.series.reduce(
        (sum, item) =>
          sum + item.horizons.find((entry) => entry.horizon === scores.horizon)!.overWindow.naive.origins,
        0,
      );
      expect(scores.overWindow.naive.origins).toBe(perSeriesOrigins);
    }
    const thirty = report.aggregate[1]!;
    expect(thirty.ratioToNaive.selected).toBeLessThan(1);
    expect(Object.values(thirty.selectedModels).reduce<number>((sum, count) => sum + (count ?? 0), 0)).toBe(
      thirty.atHorizon.selected.origins,
    );
  });

  it('gives the same report synchronously, asynchronously and per series', async () => {
    const options = { horizons: [7], originStep: 30 };
    const sync = runBacktest(series, options);
    const async = await runBacktestAsync(series, { ...options, yieldEvery: 2 });
    expect(async).toEqual(sync);
    expect(backtestSeries('A', series[0]!.points, options)).toEqual(sync.series[0]);
  });

  it('formats a plain-text table with every method and series', () => {
    const report = runBacktest(series, { horizons: [7, 30], originStep: 30 });
    const table = formatBacktestTable(report);
    for (const label of [
      'selected model',
      'naive',
      'seasonal naive',
      '7-day mean',
      'MASE@h',
      'P10–P90',
      'A',
      'B',
    ]) {
      expect(table).toContain(label);
    }
    const rows = table
      .split('\n')
      .filter((line) => /^\s*(7|30)?\s+(selected model|naive|seasonal naive)/.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(formatBacktestTable(report, { perSeries: false })).not.toContain('Per series');
  });
});
