import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import type { Metrics } from '../http/metrics.js';
import { authErrors, keySecurity } from '../http/openapi.js';

const route = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  description:
    'Prometheus text exposition: request counts and latency by route pattern and status, rate-limit decisions, insights cache hits, dependency latency, LLM tokens, RAG index size and process metrics. Needs the `admin` scope. Labels never carry keys, questions or raw paths.',
  security: keySecurity,
  responses: {
    200: {
      description: 'Metrics in the Prometheus text format (version 0.0.4).',
      content: {
        'text/plain': {
          schema: z
            .string()
            .openapi({ example: 'http_requests_total{method="GET",route="/health",status="200"} 3' }),
        },
      },
    },
    401: authErrors[401],
    403: authErrors[403],
    429: authErrors[429],
    500: authErrors[500],
  },
});

/**
 * `GET /metrics` over the given registry. Authentication (`admin` scope) and the admin rate limit are
 * applied in `app.ts` with `app.use('/metrics', …)`, like the other protected routes.
 */
export function metricsRoute(metrics: Metrics) {
  return new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
    const { contentType, body } = await metrics.render();
    return c.text(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
}
