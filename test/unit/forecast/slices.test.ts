import { describe, expect, it } from 'vitest';
import { forecastSeries, forecastSeriesAsync, naiveScale } from '../../../src/domain/forecast/index.js';
import { naiveScales } from '../../../src/domain/forecast/metrics.js';
import {
  fitUptimeModel,
  producingProbabilities,
  producingProbabilitiesBySpell,
} from '../../../src/domain/forecast/uptime.js';
import { dailySeries, gaussian } from './synthetic.js';

/** A declining well with weekly noise and shut-ins of a few days, long enough for a year of origins. */
function decliningWell(seed: number, length: number) {
  const noise = gaussian(seed);
  const shutIn = (day: number) => day % 97 < 3 || (day > 700 && day < 720);
  return dailySeries(
    length,
    (day) => (shutIn(day) ? 0 : Math.max(1, 900 * Math.exp(-day / 800) * (1 + 0.05 * noise()))),
    (day) => (shutIn(day) ? 0 : 24),
  );
}

describe('forecast computed in slices', () => {
  it('gives the same result as the one-block forecast, bit for bit', async () => {
    const points = decliningWell(7, 1200);
    for (const horizon of [7, 45]) {
      const sync = forecastSeries(points, { horizon, interval: 0.9 });
      const sliced = await forecastSeriesAsync(points, { horizon, interval: 0.9 }, {}, 0);
      expect(sliced).toEqual(sync);
    }
  });

  it('gives the event loop turns while it computes', async () => {
    const points = decliningWell(11, 1200);
    let turns = 0;
    let done = false;
    const tick = (): void => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    await forecastSeriesAsync(points, { horizon: 30 }, {}, 0);
    done = true;
    expect(turns).toBeGreaterThan(10);
  });
});

describe('shared computations of the engine', () => {
  it('naiveScales equals naiveScale at every end', () => {
    const noise = gaussian(3);
    const values = Float64Array.from({ length: 400 }, (_, day) =>
      day % 13 === 0 ? Number.NaN : 100 + noise(),
    );
    const ends = [0, 1, 2, 50, 51, 199, 399, 400];
    expect(naiveScales(values, ends)).toEqual(ends.map((end) => naiveScale(values, end)));
  });

  it('memoised producing probabilities equal the direct computation for every spell', () => {
    const status = Uint8Array.from({ length: 900 }, (_, day) => (day % 41 < 4 ? 2 : day % 17 === 0 ? 0 : 1));
    const model = fitUptimeModel(status, 900);
    const bySpell = producingProbabilitiesBySpell(model, 60);
    for (const producing of [true, false]) {
      for (const age of [0, 1, 2, 5, 399, 400, 401, 402, 900, 5000]) {
        const direct = producingProbabilities(
          { ...model, currentlyProducing: producing, currentAge: age },
          60,
        );
        expect(bySpell({ producing, age })).toEqual(direct);
      }
    }
  });
});
