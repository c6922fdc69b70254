import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { setResponseHeader } from '../response-headers.js';

/**
 * The response headers the OWASP REST Security Cheat Sheet asks of a JSON API. Browser-document headers
 * (X-XSS-Protection, X-Download-Options, Origin-Agent-Cluster, …) are left out: no page of this API is a
 * browsing context except `/docs`, which sets its own Content-Security-Policy.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Options for {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Headers to set on every response; defaults to {@link API_SECURITY_HEADERS}. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sets fixed security headers before the handler runs, so they travel in the handler's own response
 * (success, problem+json or 304) and Hono's node adapter keeps its no-copy response path. A route may
 * still override one (the `/docs` page sets its own Content-Security-Policy).
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler<AppEnv> {
  const entries = Object.entries(options.headers ?? API_SECURITY_HEADERS);
  return function securityHeadersMiddleware(c, next) {
    for (const [name, value] of entries) setResponseHeader(c, name, value);
    return next();
  };
}
