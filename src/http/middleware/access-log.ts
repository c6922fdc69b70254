import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../context.js';

/** Observer told about every finished request (used by the metrics registry). */
export type RequestObserver = (sample: {
  method: string;
  route: string;
  status: number;
  seconds: number;
  /** A health probe (`/health`, `/health/ready`): counted, kept out of the latency histogram. */
  probe?: boolean;
  /** Whether an insights result came from the cache (`event.cache_hit`), when the route used one. */
  cacheHit?: boolean;
}) => void;

/** Route patterns of the liveness and readiness probes. */
export const PROBE_ROUTES: readonly string[] = ['/health', '/health/ready'];

/** Options for {@link accessLog}. */
export interface AccessLogOptions {
  logger: Logger;
  environment: string;
  observe?: RequestObserver;
  /**
   * Route patterns answered to load balancers and orchestrators ({@link PROBE_ROUTES} by default): a
   * probe that succeeds (status below 400) writes no log line; one that fails is logged like any request.
   */
  probeRoutes?: readonly string[];
}

/**
 * Emits one wide JSON event per request: request id, method, route pattern, path (never the query
 * string, which may carry `api_key`), status, duration, environment and whatever the request added
 * to `c.var.event` (key id, cache hit, warehouse or LLM time). Successful health probes are only
 * reported to the observer, flagged `probe`.
 */
export function accessLog(options: AccessLogOptions): MiddlewareHandler<AppEnv> {
  const { logger, environment, observe } = options;
  const probeRoutes = new Set(options.probeRoutes ?? PROBE_ROUTES);
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    c.set('event', {});
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = routePath(c, -1) || 'unmatched';
      const status = c.res.status;
      const probe = probeRoutes.has(route);
      const event = c.get('event');
      const cacheHit = typeof event.cache_hit === 'boolean' ? event.cache_hit : undefined;
      observe?.({ method: c.req.method, route, status, seconds, probe, cacheHit });
      if (!probe || status >= 400) {
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
        logger[level]({
          msg: 'request',
          request_id: c.get('requestId'),
          method: c.req.method,
          route,
          path: c.req.path,
          status,
          duration_ms: Math.round(seconds * 100_000) / 100,
          env: environment,
          ...event,
        });
      }
    }
  };
}
