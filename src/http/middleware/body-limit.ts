import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.js';
import { ProblemError, problemResponse } from '../problem.js';

/** Options for {@link limitRequestBody}. */
export interface LimitRequestBodyOptions {
  maxBytes: number;
  /** Paths that stream their body under their own limit (HTTP loads), exempt from this one. */
  exempt?: (path: string) => boolean;
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);

/**
 * Hono's body limit (Content-Length checked up front, chunked bodies counted as they stream) with a
 * problem+json 413. GET and HEAD skip it: the Node adapter never gives them a body, and Hono's check
 * would materialise a full `Request` (with its AbortController) only to find none.
 */
export function limitRequestBody(options: LimitRequestBodyOptions): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: options.maxBytes,
    onError: (c) =>
      problemResponse(
        c,
        new ProblemError('payload_too_large', `The request body exceeds ${options.maxBytes} bytes.`),
      ),
  });
  return function limitRequestBodyMiddleware(c, next) {
    if (BODYLESS_METHODS.has(c.req.method) || options.exempt?.(c.req.path)) return next();
    return limit(c, next);
  };
}
