import { randomUUID } from 'node:crypto';
import type { RequestListener } from './client-errors.js';
import type { RequestObserver } from './middleware/access-log.js';
import { SANE_REQUEST_ID } from './middleware/request-id.js';
import { API_SECURITY_HEADERS } from './middleware/security-headers.js';

/** Options for {@link answerLivenessProbes}. */
export interface LivenessListenerOptions {
  /** The liveness answer, serialized as the `/health` route serializes it. */
  answer: () => object;
  /** Told about every probe answered here, flagged `probe` (as the access log tells the metrics). */
  observe?: RequestObserver;
  /** False while the server drains: probes then go to the app, which answers with `Connection: close`. */
  active?: () => boolean;
  /** The app answers CORS (`CORS_ORIGINS`): its answers then say `Vary: Origin`, and so do these. */
  varyOrigin?: boolean;
}

/**
 * Answers the liveness probe (`GET /health`, no query, no `Origin`) in the Node request listener, before
 * the app: the load balancer polls it every few seconds on every task, and it must answer while the
 * process can serve, whatever a middleware is waiting on. The answer is the route's own (same body,
 * `X-Request-Id` taken when sane or generated, the API's security headers); the probe is counted like the
 * app counts it and, being a success, not logged. Everything else, `/health?deep=1` and cross-origin
 * requests included, goes to `listener`.
 */
export function answerLivenessProbes(
  listener: RequestListener,
  options: LivenessListenerOptions,
): RequestListener {
  const fixedHeaders: string[] = ['Content-Type', 'application/json'];
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) fixedHeaders.push(name, value);
  if (options.varyOrigin) fixedHeaders.push('Vary', 'Origin');
  let body = '';
  let bodyBytes = '0';
  let bodyMillis = Number.NEGATIVE_INFINITY;
  return function livenessListener(incoming, outgoing) {
    if (
      incoming.url !== '/health' ||
      incoming.method !== 'GET' ||
      incoming.headers.origin !== undefined ||
      options.active?.() === false
    ) {
      listener(incoming, outgoing);
      return;
    }
    const started = performance.now();
    if (started - bodyMillis >= 250) {
      body = JSON.stringify(options.answer());
      bodyBytes = String(Buffer.byteLength(body));
      bodyMillis = started;
    }
    const presented = incoming.headers['x-request-id'];
    const requestId =
      typeof presented === 'string' && SANE_REQUEST_ID.test(presented) ? presented : randomUUID();
    outgoing.writeHead(200, [...fixedHeaders, 'X-Request-Id', requestId, 'Content-Length', bodyBytes]);
    outgoing.end(body);
    options.observe?.({
      method: 'GET',
      route: '/health',
      status: 200,
      seconds: (performance.now() - started) / 1000,
      probe: true,
    });
  };
}
