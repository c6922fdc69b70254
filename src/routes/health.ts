import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { checkReadiness } from '../domain/health.js';
import type { AppEnv } from '../http/context.js';
import { jsonContent } from '../http/openapi.js';

const LivenessSchema = z
  .object({
    status: z.literal('ok'),
    env: z.enum(['dev', 'qa', 'prod']),
    version: z.string(),
    uptime_s: z.number(),
  })
  .openapi('Liveness');

const DependencySchema = z.object({
  name: z.string(),
  status: z.enum(['up', 'down']),
  required: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']),
    checked_at: z.string(),
    dependencies: z.array(DependencySchema),
  })
  .openapi('Readiness');

const liveness = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Liveness',
  description:
    'Cheap liveness probe for the load balancer: answers while the process can serve requests. No key needed. `?deep=1` returns the readiness report instead.',
  request: { query: z.object({ deep: z.enum(['0', '1', 'true', 'false']).optional() }) },
  responses: {
    200: {
      description: 'The process is up (or, with `deep=1`, ready).',
      content: { 'application/json': { schema: z.union([LivenessSchema, ReadinessSchema]) } },
    },
    503: jsonContent(ReadinessSchema, 'With `deep=1`: a required dependency is down.'),
  },
});

const readiness = createRoute({
  method: 'get',
  path: '/health/ready',
  tags: ['health'],
  summary: 'Readiness',
  description:
    'Checks each dependency (database, vector extension, warehouse, rate-limit store, model endpoints) with its latency. 503 when a required one is down. No key needed; never shows connection strings.',
  responses: {
    200: jsonContent(ReadinessSchema, 'All required dependencies are up.'),
    503: jsonContent(ReadinessSchema, 'A required dependency is down.'),
  },
});

const startedAt = Date.now();

/** `/health` and `/health/ready`. */
export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(liveness, async (c) => {
    const services = c.get('services');
    const deep = c.req.valid('query').deep;
    if (deep === '1' || deep === 'true') {
      const report = await checkReadiness(services.dependencies);
      return c.json(report, report.status === 'not_ready' ? 503 : 200);
    }
    return c.json(
      {
        status: 'ok' as const,
        env: services.config.env,
        version: services.version,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
      },
      200,
    );
  })
  .openapi(readiness, async (c) => {
    const report = await checkReadiness(c.get('services').dependencies);
    c.header('Cache-Control', 'no-store');
    return c.json(report, report.status === 'not_ready' ? 503 : 200);
  });
