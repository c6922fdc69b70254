import type { RatePolicy } from '../profiles.js';

/** Outcome of one rate-limit decision. All durations are whole seconds, rounded up. */
export interface RateDecision {
  allowed: boolean;
  /** The policy's `limit` (requests per period). */
  limit: number;
  /** Requests that could still be admitted right now, after this decision. */
  remaining: number;
  /** Seconds until the bucket is full again (all burst capacity restored). */
  resetSeconds: number;
  /** Seconds until the next request can be admitted; 0 when this request was allowed. */
  retryAfterSeconds: number;
}

/**
 * Shared state behind the GCRA limiter: Redis in production, an in-process map by default.
 * `decide` atomically checks and, when allowed, consumes one request from the bucket named `key`.
 */
export interface RateLimitStore {
  /** True when `decide` answers from process memory, without I/O: the limiter then sets no deadline. */
  readonly inProcess?: boolean;
  decide(key: string, policy: RatePolicy, nowMs?: number): Promise<RateDecision>;
  /** Resolves when the store can serve decisions; rejects with a RateLimitStoreError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Why a store could not decide: it did not answer in time, or it is not reachable/usable. */
export type RateLimitStoreFailure = 'timeout' | 'unavailable';

/** Error raised by rate-limit stores; the limiter turns it into a fail-open or fail-closed decision. */
export class RateLimitStoreError extends Error {
  constructor(
    readonly failure: RateLimitStoreFailure,
    message: string = failure === 'timeout' ? 'rate-limit store timed out' : 'rate-limit store unavailable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RateLimitStoreError';
  }
}
