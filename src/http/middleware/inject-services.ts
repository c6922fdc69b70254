import type { MiddlewareHandler } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../context.js';

/** Makes the services built once at boot reachable from every handler as `c.var.services`. */
export function injectServices(services: Services): MiddlewareHandler<AppEnv> {
  return function injectServicesMiddleware(c, next) {
    c.set('services', services);
    return next();
  };
}
