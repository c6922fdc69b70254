import type { MiddlewareHandler } from 'hono';
import type { Scope } from '../../ports/key-store.js';
import type { AppEnv } from '../context.js';
import { ProblemError } from '../problem.js';

/** Requires the principal to hold at least one of `scopes` (403 `insufficient_scope` naming them otherwise). */
export function requireAnyScope(scopes: readonly [Scope, ...Scope[]]): MiddlewareHandler<AppEnv> {
  return async function requireAnyScopeMiddleware(c, next) {
    const held = c.get('principal').scopes;
    if (!scopes.some((scope) => held.includes(scope))) {
      throw new ProblemError(
        'insufficient_scope',
        `This operation needs one of the scopes ${scopes.map((scope) => `"${scope}"`).join(', ')}.`,
        { required_scope: scopes[0] },
        {
          headers: {
            'WWW-Authenticate': `Bearer realm="datalive", error="insufficient_scope", scope="${scopes.join(' ')}"`,
          },
        },
      );
    }
    await next();
  };
}
