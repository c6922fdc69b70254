import type { RateDecision } from '../../ports/rate-limit.js';
import type { RatePolicy } from '../../profiles.js';

/**
 * GCRA (Generic Cell Rate Algorithm) in integer microseconds.
 *
 * A bucket's whole state is its TAT (theoretical arrival time). With emission interval T = period / limit
 * and tolerance τ = T × (burst − 1), a request at `now` is allowed iff TAT − now ≤ τ, and then
 * TAT := max(TAT, now) + T. A missing or past TAT means a full bucket. Integer microseconds keep every sum
 * exact (epoch µs ≈ 1.8e15 < 2^53), so "limit 50 at one instant" admits exactly 50, and the Redis Lua
 * script can run the same arithmetic on doubles.
 */
export interface GcraParameters {
  /** T in microseconds, rounded up so the advertised rate is never exceeded. */
  emissionIntervalUs: number;
  /** τ = T × (burst − 1) in microseconds. */
  toleranceUs: number;
}

/** A decision plus the TAT to store afterwards (unchanged when the request was denied). */
export interface GcraOutcome {
  decision: RateDecision;
  tatUs: number;
}

const MICROS_PER_SECOND = 1_000_000;

/** Converts epoch milliseconds (possibly fractional) to integer microseconds. */
export function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}

/** Validates a policy and derives T and τ. Throws a RangeError for an unusable policy. */
export function gcraParameters(policy: RatePolicy): GcraParameters {
  const { limit, periodSeconds, burst } = policy;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`rate limit must be an integer ≥ 1`);
  if (!Number.isFinite(periodSeconds) || periodSeconds <= 0) throw new RangeError(`period must be > 0 s`);
  if (!Number.isSafeInteger(burst) || burst < 1 || burst > limit) {
    throw new RangeError(`burst must be an integer between 1 and the limit (${limit})`);
  }
  const emissionIntervalUs = Math.max(1, Math.ceil(Math.round(periodSeconds * MICROS_PER_SECOND) / limit));
  return { emissionIntervalUs, toleranceUs: emissionIntervalUs * (burst - 1) };
}

/**
 * The public view of a bucket whose TAT is `tatUs` at `nowUs`, after a decision that was `allowed` or not.
 * remaining = floor((τ − (TAT − now)) / T) + 1 (≥ 0); reset = time until TAT ≤ now (bucket full);
 * retryAfter (denied only) = time until TAT − now ≤ τ, at least 1 s.
 */
export function gcraDecision(
  allowed: boolean,
  tatUs: number,
  nowUs: number,
  policy: RatePolicy,
): RateDecision {
  const { emissionIntervalUs, toleranceUs } = gcraParameters(policy);
  const backlogUs = Math.max(0, tatUs - nowUs);
  return {
    allowed,
    limit: policy.limit,
    remaining: Math.max(0, Math.floor((toleranceUs - backlogUs) / emissionIntervalUs) + 1),
    resetSeconds: Math.ceil(backlogUs / MICROS_PER_SECOND),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((backlogUs - toleranceUs) / MICROS_PER_SECOND)),
  };
}

/** One GCRA step: decides a request at `nowUs` against the stored TAT (undefined for an unknown bucket). */
export function gcraDecide(storedTatUs: number | undefined, nowUs: number, policy: RatePolicy): GcraOutcome {
  const { emissionIntervalUs, toleranceUs } = gcraParameters(policy);
  const tatUs = Math.max(storedTatUs ?? nowUs, nowUs);
  if (tatUs - nowUs > toleranceUs) {
    return { decision: gcraDecision(false, tatUs, nowUs, policy), tatUs };
  }
  const newTatUs = tatUs + emissionIntervalUs;
  return { decision: gcraDecision(true, newTatUs, nowUs, policy), tatUs: newTatUs };
}
