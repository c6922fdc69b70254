import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../../bench/load/cannon.js';
import { evaluate, type LoadRow, pairedRatio } from '../../../bench/load/load.js';

const result = (rps: number): LoadResult => ({
  name: 'x',
  connections: 50,
  seconds: 4,
  requests: rps * 4,
  rps,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statuses: { 200: rps * 4 },
  rssBeforeMiB: 100,
  rssPeakMiB: 120,
  serverCpuUsPerRequest: 1e6 / rps,
});

/** A row showing the median of `rounds`, with every round kept when `paired`. */
const roundRow = (id: string, rounds: number[], paired: boolean): LoadRow => ({
  id,
  description: '',
  result: result([...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)] as number),
  ...(paired ? { roundsRps: rounds } : {}),
});

describe('load bench checks', () => {
  it('takes the median of round-by-round ratios, so one disturbed round moves nothing', () => {
    expect(pairedRatio([80, 82, 40, 84, 81], [100, 100, 100, 100, 100])).toBeCloseTo(0.81);
    expect(pairedRatio([8, 9], [10, 10])).toBeCloseTo(0.85);
    expect(pairedRatio([1, 2], [1])).toBeUndefined();
    expect(pairedRatio([], [])).toBeUndefined();
    expect(pairedRatio(undefined, [1])).toBeUndefined();
  });

  it('judges the auth overhead on paired rounds when it has them, on the median rows otherwise', () => {
    const rows = (auth: number[], bare: number[], paired: boolean): LoadRow[] => [
      roundRow('catalog_auth_memory', auth, paired),
      roundRow('catalog_noauth_memory', bare, paired),
    ];
    const check = (list: LoadRow[]) => evaluate(list).find((entry) => entry.target.includes('in-process'));
    // Medians alone: 8,000 / 9,000 = 0.89; round by round: 0.80, 0.97, 0.91 → 0.91.
    expect(check(rows([8000, 6000, 8200], [10000, 6200, 9000], true))).toMatchObject({
      value: 0.91,
      pass: true,
    });
    expect(check(rows([8000, 6000, 8200], [10000, 6200, 9000], false))).toMatchObject({ value: 0.89 });
    expect(check(rows([7000, 7100, 6900], [10000, 10100, 9900], false))).toMatchObject({
      value: 0.7,
      pass: false,
    });
    expect(check(rows([7000, 7100, 6900], [10000, 10100, 9900], true))).toMatchObject({
      value: 0.7,
      pass: false,
    });
  });

  it('judges cached daily against /health on paired rounds when it has them', () => {
    const rows = (cached: number[], health: number[], paired: boolean): LoadRow[] => [
      roundRow('health', health, paired),
      roundRow('daily_cached', cached, paired),
    ];
    const check = (list: LoadRow[]) => evaluate(list).find((entry) => entry.target.includes('× /health'));
    // Medians alone: 7,000 / 13,000 = 0.54; round by round: 0.53, 0.52, 0.54 → 0.53.
    expect(check(rows([8000, 6000, 7000], [15000, 11500, 13000], true))).toMatchObject({
      value: 0.53,
      pass: true,
    });
    expect(check(rows([8000, 6000, 7000], [15000, 11500, 13000], false))).toMatchObject({ value: 0.54 });
    expect(check(rows([6000, 6100, 5900], [14000, 14100, 13900], true))).toMatchObject({
      value: 0.43,
      pass: false,
    });
  });
});
