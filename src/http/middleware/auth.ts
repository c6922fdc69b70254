import type { MiddlewareHandler } from 'hono';
import type { KeyService, Principal } from '../../domain/keys/key-service.js';
import { SCOPES, type Scope } from '../../ports/key-store.js';
import type { RateLimitStore } from '../../ports/rate-limit.js';
import type { RatePolicy } from '../../profiles.js';
import { clientIp } from '../client-ip.js';
import type { AppEnv } from '../context.js';
import { ProblemError } from '../problem.js';

/** Options for {@link apiKeyAuth}. */
export interface ApiKeyAuthOptions {
  keys: KeyService;
  /**
   * Counts failed attempts per client address. Over budget, further *failed* attempts from that address
   * are answered 429; a valid key is verified first and never meets the counter.
   */
  failureStore: RateLimitStore;
  failurePolicy?: RatePolicy;
  /** Trusted proxy hops in front of the service (`TRUST_PROXY`); see {@link clientIp}. */
  trustProxyHops?: number;
}

const WWW_AUTHENTICATE = 'Bearer realm="datalive"';
const DEFAULT_FAILURE_POLICY: RatePolicy = { limit: 20, periodSeconds: 60, burst: 20 };

/** The principal of requests on the local control socket: the owner of the data directory. */
export const CONTROL_PLANE_PRINCIPAL: Principal = {
  keyId: 'local-control-socket',
  name: 'local control socket',
  env: 'dev',
  scopes: SCOPES,
  rateTier: 'premium',
  siteAllowlist: null,
  expiresAt: null,
};

/** Reads the key from `Authorization: Bearer`, `X-API-Key` or the `api_key` query parameter, in that order. */
export function presentedKey(
  authorization: string | undefined,
  header: string | undefined,
  query: string | undefined,
) {
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return bearer || header?.trim() || query?.trim() || undefined;
}

/**
 * Authenticates the caller by API key and stores the principal in `c.var.principal`. Failures are
 * 401 problem+json with `WWW-Authenticate`; the key itself never reaches a log line or an error. The key
 * is verified before any throttling (offline checksum, then the cached HMAC lookup), so a valid key is
 * never refused for its address's failures; only failed attempts count, and past the budget they are 429.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler<AppEnv> {
  const failurePolicy = options.failurePolicy ?? DEFAULT_FAILURE_POLICY;
  const trustProxyHops = options.trustProxyHops ?? 0;

  return async function apiKeyAuthMiddleware(c, next) {
    if (c.env?.controlPlane === true) {
      c.set('principal', { ...CONTROL_PLANE_PRINCIPAL, env: options.keys.env });
      c.get('event').key_id = CONTROL_PLANE_PRINCIPAL.keyId;
      return next();
    }
    const key =
      presentedKey(c.req.header('authorization'), c.req.header('x-api-key'), undefined) ??
      presentedKey(undefined, undefined, c.req.query('api_key'));
    if (!key) {
      throw new ProblemError(
        'missing_api_key',
        'Send an API key as `Authorization: Bearer <key>`, `X-API-Key: <key>` or the `api_key` query parameter.',
        {},
        { headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } },
      );
    }
    const verification = await options.keys.verify(key);
    if (verification.ok) {
      c.set('principal', verification.principal);
      c.get('event').key_id = verification.principal.keyId;
      return next();
    }
    const { rejection } = verification;
    c.get('event').auth_failure = rejection.code;
    const ip = clientIp(c, trustProxyHops);
    const decision = await options.failureStore
      .decide(`authfail:${ip}`, failurePolicy)
      .catch(() => undefined);
    if (decision && !decision.allowed) {
      throw new ProblemError(
        'quota_exceeded',
        'Too many failed authentication attempts from this address; valid keys are still accepted, failed attempts are refused until Retry-After.',
        {},
        { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
      );
    }
    throw new ProblemError(
      rejection.code,
      rejection.detail,
      rejection.code === 'wrong_environment' ? { key_environment: rejection.keyEnvironment } : {},
      {
        headers: {
          'WWW-Authenticate': `${WWW_AUTHENTICATE}, error="invalid_token", error_description="${rejection.code}"`,
        },
      },
    );
  };
}

/** Requires the authenticated principal to hold `scope` (403 `insufficient_scope` otherwise). */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return function requireScopeMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal.scopes.includes(scope)) {
      throw new ProblemError(
        'insufficient_scope',
        `This operation needs the "${scope}" scope.`,
        { required_scope: scope },
        {
          headers: {
            'WWW-Authenticate': `${WWW_AUTHENTICATE}, error="insufficient_scope", scope="${scope}"`,
          },
        },
      );
    }
    return next();
  };
}
