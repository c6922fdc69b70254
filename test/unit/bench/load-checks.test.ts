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

  it('judges the API against each peer on paired rounds, with the factor of each target', () => {
    const rows: LoadRow[] = [
      roundRow('health', [15000, 14000, 16000], true),
      roundRow('daily_cached', [9000, 8000, 8500], true),
      roundRow('peer_fastify_health', [14000, 15000, 15000], true),
      roundRow('peer_fastify_daily_cached', [10000, 9000, 9000], true),
      roundRow('peer_fastapi_health', [4000, 4500, 5000], true),
      roundRow('peer_fastapi_daily_cached', [3000, 2500, 2000], true),
    ];
    const checks = evaluate(rows);
    const find = (text: string) => checks.find((entry) => entry.target.includes(text));
    // health ÷ Fastify round by round: 1.07, 0.93, 1.07 → 1.07.
    expect(find('/health ≥ 1 × the Fastify peer')).toMatchObject({ value: 1.07, pass: true });
    // daily ÷ Fastify: 0.9, 0.89, 0.94 → 0.9.
    expect(find('cached /insights/daily ≥ 1 × the Fastify peer')).toMatchObject({ value: 0.9, pass: false });
    // health ÷ FastAPI: 3.75, 3.11, 3.2 → 3.2.
    expect(find('/health ≥ 3 × the FastAPI peer')).toMatchObject({ value: 3.2, pass: true });
    // daily ÷ FastAPI: 3, 3.2, 4.25 → 3.2.
    expect(find('cached /insights/daily ≥ 3 × the FastAPI peer')).toMatchObject({ value: 3.2, pass: true });
    expect(evaluate(rows.slice(0, 4)).some((entry) => entry.target.includes('FastAPI'))).toBe(false);
  });

  it('judges cached daily p99 under concurrent RAG search against its p99 alone, round by round', () => {
    const p99Row = (id: string, p99s: number[]): LoadRow => ({
      id,
      description: '',
      result: { ...result(8000), p99Ms: [...p99s].sort((a, b) => a - b)[1] as number },
      roundsP99Ms: p99s,
    });
    const check = (alone: number[], mixed: number[]) =>
      evaluate([p99Row('daily_cached_alone', alone), p99Row('daily_cached_mixed', mixed)]).find((entry) =>
        entry.target.includes('under concurrent'),
      );
    // 18/10, 30/12, 22/11 → 1.8, 2.5, 2 → 2.
    expect(check([10, 12, 11], [18, 30, 22])).toMatchObject({ value: 2, pass: true });
    expect(check([10, 12, 11], [40, 30, 22])).toMatchObject({ value: 2.5, pass: false });
  });

  it('holds /health to 0.6 × the baseline and /rag/search p95 to 50 ms', () => {
    const rows: LoadRow[] = [
      roundRow('baseline', [40000], false),
      roundRow('health', [25000], false),
      { id: 'rag_search', description: '', result: { ...result(120), p95Ms: 55 } },
    ];
    const checks = evaluate(rows);
    expect(checks.find((entry) => entry.target.startsWith('/health ≥ 0.6'))).toMatchObject({
      value: 0.63,
      pass: true,
    });
    expect(checks.find((entry) => entry.target.startsWith('/rag/search p95'))).toMatchObject({
      value: 55,
      pass: false,
    });
  });
});
