import type { MiddlewareHandler } from 'hono';
import { rateLimitHeaders } from '../../domain/ratelimit/headers.js';
import type { RateLimiter } from '../../domain/ratelimit/limiter.js';
import type { EnvironmentProfile, RateClass } from '../../profiles.js';
import type { AppEnv } from '../context.js';
import { ProblemError } from '../problem.js';
import { setResponseHeader } from '../response-headers.js';

/** Options for {@link rateLimit}. */
export interface RateLimitOptions {
  limiter: RateLimiter;
  profile: EnvironmentProfile;
  rateClass: RateClass;
  /** Observer for metrics: decision per class. */
  onDecision?: (
    rateClass: RateClass,
    outcome: 'allowed' | 'denied' | 'degraded_open' | 'degraded_closed',
  ) => void;
}

/**
 * GCRA rate limit per key and route class, with `RateLimit-Policy` / `RateLimit` headers
 * (draft-ietf-httpapi-ratelimit-headers) and 429 `quota_exceeded` + `Retry-After` when over budget.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const { limiter, profile, rateClass, onDecision } = options;
  return async function rateLimitMiddleware(c, next) {
    const principal = c.get('principal');
    const policy = profile.rateLimits[principal.rateTier][rateClass];
    const { decision, degraded } = await limiter.check(principal.keyId, rateClass, policy);
    onDecision?.(
      rateClass,
      degraded
        ? decision.allowed
          ? 'degraded_open'
          : 'degraded_closed'
        : decision.allowed
          ? 'allowed'
          : 'denied',
    );
    const headers = rateLimitHeaders(rateClass, policy, decision);
    if (degraded) c.get('event').rate_limit_degraded = true;
    if (!decision.allowed) {
      throw new ProblemError(
        'quota_exceeded',
        degraded
          ? 'The rate-limit store is unavailable and this route fails closed; retry shortly.'
          : `Rate limit of ${policy.limit} requests per ${policy.periodSeconds}s for "${rateClass}" exceeded.`,
        {
          limit: policy.limit,
          period_seconds: policy.periodSeconds,
          retry_after_seconds: decision.retryAfterSeconds,
        },
        { headers: degraded ? { 'Retry-After': String(decision.retryAfterSeconds) } : { ...headers } },
      );
    }
    if (!degraded) {
      setResponseHeader(c, 'RateLimit-Policy', headers['RateLimit-Policy']);
      setResponseHeader(c, 'RateLimit', headers.RateLimit);
    }
    await next();
  };
}
