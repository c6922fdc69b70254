import type { RateDecision } from '../../ports/rate-limit.js';
import type { RatePolicy } from '../../profiles.js';

/**
 * Response header values of draft-ietf-httpapi-ratelimit-headers (-11, structured fields):
 * `RateLimit-Policy: "insights";q=120;w=60` and `RateLimit: "insights";r=57;t=3`, plus `Retry-After`
 * (delay-seconds) on a denied decision.
 */
export interface RateLimitHeaderValues {
  'RateLimit-Policy': string;
  RateLimit: string;
  'Retry-After'?: string;
}

/**
 * Serialises `value` as a Structured Field String (RFC 9651 §4.1.6): printable ASCII only, with `"` and
 * `\` escaped. Throws a RangeError for characters a String cannot carry.
 */
export function structuredFieldString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new RangeError('a structured field string may only contain printable ASCII characters');
  }
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

const quotedNames = new Map<string, string>();

/** {@link structuredFieldString} of a policy name, computed once per name (names are route classes). */
function quotedPolicyName(policyName: string): string {
  let quoted = quotedNames.get(policyName);
  if (quoted === undefined) {
    quoted = structuredFieldString(policyName);
    if (quotedNames.size < 64) quotedNames.set(policyName, quoted);
  }
  return quoted;
}

/** The `RateLimit-Policy` item for a policy: quota `q` requests per window `w` seconds. */
export function formatRateLimitPolicy(policyName: string, policy: RatePolicy): string {
  const windowSeconds = Math.max(1, Math.ceil(policy.periodSeconds));
  return `${quotedPolicyName(policyName)};q=${policy.limit};w=${windowSeconds}`;
}

/**
 * The `RateLimit` item for a decision: `r` = requests available now; `t` = seconds until the bucket is full
 * when allowed, or until the next request can pass when denied (so `Retry-After` never points earlier than
 * the end of the effective window, as the draft requires).
 */
export function formatRateLimit(policyName: string, decision: RateDecision): string {
  const remaining = decision.allowed ? decision.remaining : 0;
  const effectiveWindow = decision.allowed ? decision.resetSeconds : decision.retryAfterSeconds;
  return `${quotedPolicyName(policyName)};r=${Math.max(0, remaining)};t=${Math.max(0, effectiveWindow)}`;
}

/** All rate-limit response headers for one decision under one named policy. */
export function rateLimitHeaders(
  policyName: string,
  policy: RatePolicy,
  decision: RateDecision,
): RateLimitHeaderValues {
  const headers: RateLimitHeaderValues = {
    'RateLimit-Policy': formatRateLimitPolicy(policyName, policy),
    RateLimit: formatRateLimit(policyName, decision),
  };
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, decision.retryAfterSeconds));
  return headers;
}
