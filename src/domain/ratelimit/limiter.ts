import { type RateDecision, type RateLimitStore, RateLimitStoreError } from '../../ports/rate-limit.js';
import type { RateClass, RatePolicy } from '../../profiles.js';
import { gcraDecide, gcraParameters, msToUs } from './gcra.js';

/** What a route class does when the store cannot decide: admit (`open`) or reject (`closed`). */
export type FailMode = 'open' | 'closed';

/**
 * Defaults: `insights` fails open (cheap reads; a Power BI refresh must not break on a Redis blip);
 * `rag` fails closed (each call costs model tokens); `admin` fails open so operators can still revoke a
 * leaked key during a Redis outage (admin routes need an admin-scoped key anyway).
 */
export const DEFAULT_FAIL_MODES: Readonly<Record<RateClass, FailMode>> = {
  insights: 'open',
  rag: 'closed',
  admin: 'open',
};

/** Passed with every store error, so the caller can count each one and log only the first of an incident. */
export interface StoreErrorContext {
  /** True for the first failure after a success (or since start): log this one. */
  incidentStarted: boolean;
  /** Failures so far in the current incident, this one included. */
  failuresInIncident: number;
}

/** Passed once when the first success after an incident ends it. */
export interface StoreRecovery {
  failures: number;
  durationMs: number;
}

/** Options of `createRateLimiter`. */
export interface RateLimiterOptions {
  store: RateLimitStore;
  /** Budget for one store decision in ms (default 50); the store's own timeout may be shorter. */
  timeoutMs?: number;
  failMode: Record<RateClass, FailMode>;
  /** Invoked for every failed decision (metric) with the incident latch state (log once). Must not throw. */
  onStoreError?: (error: RateLimitStoreError, rateClass: RateClass, context: StoreErrorContext) => void;
  /** Invoked once when a decision succeeds after an incident. */
  onStoreRecovered?: (recovery: StoreRecovery) => void;
  /** Clock for incident durations and synthetic decisions (default `Date.now`). */
  now?: () => number;
}

/** A decision and whether it was synthesised because the store failed. */
export interface RateLimitCheck {
  decision: RateDecision;
  degraded: boolean;
}

/** Checks one request of an API key against the budget of a route class. */
export interface RateLimiter {
  check(keyId: string, rateClass: RateClass, policy: RatePolicy): Promise<RateLimitCheck>;
}

const DEFAULT_TIMEOUT_MS = 50;

/**
 * Wraps a store with a deadline (none for an in-process store, which cannot hang) and per-class
 * fail-open/fail-closed behaviour. Buckets are keyed `<rateClass>:<keyId>`, so each route class of a key
 * has its own budget. A degraded `open` decision looks like a fresh bucket; a degraded `closed` one is a
 * denial with Retry-After 1 s. Callers may omit the `RateLimit` header on degraded decisions, since the
 * numbers are not real.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  let incident: { startedAtMs: number; failures: number } | undefined;

  const reportFailure = (error: RateLimitStoreError, rateClass: RateClass): void => {
    const incidentStarted = incident === undefined;
    incident ??= { startedAtMs: now(), failures: 0 };
    incident.failures += 1;
    notify(() =>
      options.onStoreError?.(error, rateClass, {
        incidentStarted,
        failuresInIncident: incident?.failures ?? 1,
      }),
    );
  };

  const reportSuccess = (): void => {
    if (incident === undefined) return;
    const recovery = { failures: incident.failures, durationMs: now() - incident.startedAtMs };
    incident = undefined;
    notify(() => options.onStoreRecovered?.(recovery));
  };

  return {
    async check(keyId, rateClass, policy) {
      gcraParameters(policy);
      try {
        const pending = options.store.decide(`${rateClass}:${keyId}`, policy);
        const decision = await (options.store.inProcess ? pending : withDeadline(pending, timeoutMs));
        reportSuccess();
        return { decision, degraded: false };
      } catch (error) {
        reportFailure(asStoreError(error), rateClass);
        return { decision: degradedDecision(options.failMode[rateClass], policy, now()), degraded: true };
      }
    },
  };
}

function degradedDecision(mode: FailMode, policy: RatePolicy, nowMs: number): RateDecision {
  if (mode === 'open') return gcraDecide(undefined, msToUs(nowMs), policy).decision;
  return { allowed: false, limit: policy.limit, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 };
}

function withDeadline<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new RateLimitStoreError('timeout', `rate-limit store did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([operation, deadline]).finally(() => clearTimeout(timer));
}

function asStoreError(error: unknown): RateLimitStoreError {
  if (error instanceof RateLimitStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RateLimitStoreError('unavailable', `rate-limit store failed: ${message}`, { cause: error });
}

function notify(callback: () => void): void {
  try {
    callback();
  } catch {
    // A faulty metrics or logging hook must not turn a rate-limit decision into a 500.
  }
}
