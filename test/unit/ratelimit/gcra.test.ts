import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraDecide, gcraDecision, gcraParameters } from '../../../src/domain/ratelimit/gcra.js';
import type { RateDecision } from '../../../src/ports/rate-limit.js';
import type { RatePolicy } from '../../../src/profiles.js';

const SECOND_US = 1_000_000;
const START_US = 1_750_000_000_000_000;

/** Replays arrivals (µs) through GCRA and returns every decision, like a store would. */
function replay(
  policy: RatePolicy,
  arrivalsUs: readonly number[],
): { atUs: number; decision: RateDecision }[] {
  let tatUs: number | undefined;
  return arrivalsUs.map((atUs) => {
    const outcome = gcraDecide(tatUs, atUs, policy);
    if (outcome.decision.allowed) tatUs = outcome.tatUs;
    return { atUs, decision: outcome.decision };
  });
}

/** Most admitted requests in any closed window [a, a + widthUs] (a sliding window anchored on admissions). */
function maxAdmittedInWindow(admittedUs: readonly number[], widthUs: number): number {
  let best = 0;
  let first = 0;
  for (let last = 0; last < admittedUs.length; last++) {
    while (admittedUs[last]! - admittedUs[first]! > widthUs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

describe('gcraParameters', () => {
  it('derives T = period / limit and τ = T × (burst − 1) in microseconds', () => {
    expect(gcraParameters({ limit: 50, periodSeconds: 60, burst: 50 })).toEqual({
      emissionIntervalUs: 1_200_000,
      toleranceUs: 1_200_000 * 49,
    });
    expect(gcraParameters({ limit: 7, periodSeconds: 60, burst: 1 })).toEqual({
      emissionIntervalUs: 8_571_429,
      toleranceUs: 0,
    });
  });

  it.each([
    { limit: 0, periodSeconds: 60, burst: 1 },
    { limit: 1.5, periodSeconds: 60, burst: 1 },
    { limit: 10, periodSeconds: 0, burst: 1 },
    { limit: 10, periodSeconds: Number.NaN, burst: 1 },
    { limit: 10, periodSeconds: 60, burst: 0 },
    { limit: 10, periodSeconds: 60, burst: 11 },
  ])('rejects an unusable policy %o', (policy) => {
    expect(() => gcraParameters(policy)).toThrow(RangeError);
  });
});

describe('gcraDecide', () => {
  it('admits exactly `limit` requests at one instant when burst = limit (50 of 200)', () => {
    const policy = { limit: 50, periodSeconds: 60, burst: 50 };
    const decisions = replay(
      policy,
      Array.from({ length: 200 }, () => START_US),
    ).map((entry) => entry.decision);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
    expect(decisions.slice(0, 50).every((decision) => decision.allowed)).toBe(true);
    expect(decisions.slice(0, 50).map((decision) => decision.remaining)).toEqual(
      Array.from({ length: 50 }, (_, index) => 49 - index),
    );
    expect(decisions[49]).toEqual({
      allowed: true,
      limit: 50,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 0,
    });
    expect(decisions[50]).toEqual({
      allowed: false,
      limit: 50,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 2,
    });
  });

  it('admits exactly `limit` at one instant for any policy and burst', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (limit, periodSeconds, burstFraction) => {
          const burst = Math.max(1, Math.round(limit * burstFraction));
          const decisions = replay(
            { limit, periodSeconds, burst },
            Array.from({ length: burst + 5 }, () => START_US),
          );
          expect(decisions.filter((entry) => entry.decision.allowed)).toHaveLength(burst);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('starts a new bucket full and forgets a bucket whose TAT has passed', () => {
    const policy = { limit: 10, periodSeconds: 10, burst: 10 };
    expect(gcraDecide(undefined, START_US, policy).decision).toEqual({
      allowed: true,
      limit: 10,
      remaining: 9,
      resetSeconds: 1,
      retryAfterSeconds: 0,
    });
    expect(gcraDecide(START_US - 5 * SECOND_US, START_US, policy).decision.remaining).toBe(9);
  });

  it('refills one request per emission interval', () => {
    const policy = { limit: 60, periodSeconds: 60, burst: 60 };
    const burst = replay(
      policy,
      Array.from({ length: 61 }, () => START_US),
    );
    expect(burst[60]!.decision).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    const tatUs = START_US + 60 * SECOND_US;
    expect(gcraDecide(tatUs, START_US + SECOND_US - 1, policy).decision.allowed).toBe(false);
    const refilled = gcraDecide(tatUs, START_US + SECOND_US, policy);
    expect(refilled.decision).toEqual({
      allowed: true,
      limit: 60,
      remaining: 0,
      resetSeconds: 60,
      retryAfterSeconds: 0,
    });
    expect(refilled.tatUs).toBe(START_US + 61 * SECOND_US);
  });

  it('holds a steady rate: a client sending twice the rate gets the rate (plus the initial burst)', () => {
    const policy = { limit: 60, periodSeconds: 60, burst: 10 };
    const arrivals = Array.from({ length: 1200 }, (_, index) => START_US + index * 500_000);
    const admitted = replay(policy, arrivals).filter((entry) => entry.decision.allowed);
    // 600 s at 1 request/s, plus the burst of 10 that a full bucket allows up front.
    expect(admitted.length).toBeGreaterThanOrEqual(600 + 10 - 1);
    expect(admitted.length).toBeLessThanOrEqual(600 + 10);
    const steadyState = admitted.slice(20).map((entry) => entry.atUs);
    const gaps = steadyState.slice(1).map((atUs, index) => atUs - steadyState[index]!);
    expect(new Set(gaps)).toEqual(new Set([SECOND_US]));
  });

  it('gives no second burst at a period boundary (unlike a fixed-window counter)', () => {
    const policy = { limit: 100, periodSeconds: 60, burst: 100 };
    const periodUs = 60 * SECOND_US;
    const edgeUs = START_US + periodUs;
    const endOfPeriod = Array.from({ length: 150 }, () => edgeUs - 10_000);
    const startOfNext = Array.from({ length: 150 }, () => edgeUs + 10_000);
    const admitted = replay(policy, [...endOfPeriod, ...startOfNext]).filter(
      (entry) => entry.decision.allowed,
    );
    expect(admitted.length).toBeLessThanOrEqual(policy.limit + 1);
    expect(admitted.filter((entry) => entry.atUs > edgeUs).length).toBeLessThanOrEqual(1);

    const fixedWindowAdmitted = [...endOfPeriod, ...startOfNext].reduce(
      (state, atUs) => {
        const window = Math.floor((atUs - START_US) / periodUs);
        const used = window === state.window ? state.used : 0;
        return used < policy.limit
          ? { window, used: used + 1, admitted: state.admitted + 1 }
          : { window, used, admitted: state.admitted };
      },
      { window: -1, used: 0, admitted: 0 },
    ).admitted;
    expect(fixedWindowAdmitted).toBe(2 * policy.limit);
  });

  it('with strict pacing (burst 1) admits at most limit + 1 in any window of one period', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 180 * SECOND_US }), { minLength: 1, maxLength: 400 }),
        (limit, offsetsUs) => {
          const policy = { limit, periodSeconds: 60, burst: 1 };
          const arrivals = offsetsUs.sort((a, b) => a - b).map((offset) => START_US + offset);
          const admitted = replay(policy, arrivals)
            .filter((entry) => entry.decision.allowed)
            .map((entry) => entry.atUs);
          expect(maxAdmittedInWindow(admitted, 60 * SECOND_US)).toBeLessThanOrEqual(limit + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never admits more than burst + floor(W / T) in any window of width W', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 120 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 120 * SECOND_US }),
        fc.array(fc.integer({ min: 0, max: 240 * SECOND_US }), { minLength: 1, maxLength: 300 }),
        (limit, periodSeconds, burstFraction, windowUs, offsetsUs) => {
          const policy = { limit, periodSeconds, burst: Math.max(1, Math.round(limit * burstFraction)) };
          const { emissionIntervalUs } = gcraParameters(policy);
          const arrivals = offsetsUs.sort((a, b) => a - b).map((offset) => START_US + offset);
          const admitted = replay(policy, arrivals)
            .filter((entry) => entry.decision.allowed)
            .map((entry) => entry.atUs);
          const bound = policy.burst + Math.floor(windowUs / emissionIntervalUs);
          expect(maxAdmittedInWindow(admitted, windowUs)).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports remaining consistently with what is actually admitted next', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 5 * SECOND_US }), { minLength: 1, maxLength: 60 }),
        (limit, gapsUs) => {
          const policy = { limit, periodSeconds: 10, burst: limit };
          let tatUs: number | undefined;
          let nowUs = START_US;
          for (const gap of gapsUs) {
            nowUs += gap;
            const outcome = gcraDecide(tatUs, nowUs, policy);
            if (!outcome.decision.allowed) continue;
            tatUs = outcome.tatUs;
            let probeTat = tatUs;
            let admittedNow = 0;
            for (let step = 0; step <= limit; step++) {
              const probe = gcraDecide(probeTat, nowUs, policy);
              if (!probe.decision.allowed) break;
              probeTat = probe.tatUs;
              admittedNow++;
            }
            expect(admittedNow).toBe(outcome.decision.remaining);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sets retryAfter to the first instant a denied request would pass', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 600 }),
        (limit, periodSeconds) => {
          const policy = { limit, periodSeconds, burst: limit };
          const drained = replay(
            policy,
            Array.from({ length: limit + 1 }, () => START_US),
          );
          const denied = drained[limit]!.decision;
          expect(denied.allowed).toBe(false);
          const tatUs = START_US + limit * gcraParameters(policy).emissionIntervalUs;
          expect(
            gcraDecide(tatUs, START_US + denied.retryAfterSeconds * SECOND_US, policy).decision.allowed,
          ).toBe(true);
          expect(
            gcraDecide(tatUs, START_US + (denied.retryAfterSeconds - 1) * SECOND_US, policy).decision.allowed,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('clamps remaining at zero for a TAT beyond the tolerance (e.g. after a policy downgrade)', () => {
    const decision = gcraDecision(false, START_US + 3600 * SECOND_US, START_US, {
      limit: 10,
      periodSeconds: 60,
      burst: 10,
    });
    expect(decision.remaining).toBe(0);
    expect(decision.retryAfterSeconds).toBe(3600 - 54);
  });
});
