import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { setResponseHeader } from '../response-headers.js';

/** Incoming request ids kept as they are; anything else is replaced by a UUID. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Options for {@link requestId}. */
export interface RequestIdOptions {
  /** Header read from the client and echoed on the response. */
  headerName?: string;
}

/** Accepts a sane incoming request id (else generates a UUID), stores it in context and echoes it. */
export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
  const headerName = options.headerName ?? 'X-Request-Id';
  return function requestIdMiddleware(c, next) {
    const incoming = c.req.header(headerName);
    const id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', id);
    setResponseHeader(c, headerName, id);
    return next();
  };
}
