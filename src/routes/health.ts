import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { jsonContent } from '../http/openapi.js';
import type { Services } from '../services.js';

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

const TableFreshnessSchema = z
  .object({
    table: z.string(),
    last_load_at: z.string().nullable(),
    last_data_date: z.string().nullable(),
    age_days: z.number().int().nullable(),
    stale: z.boolean(),
  })
  .openapi('TableFreshness');

const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']),
    checked_at: z.string(),
    dependencies: z.array(DependencySchema),
    freshness: z
      .object({
        max_age_days: z.number().int(),
        stale_tables: z.array(z.string()),
        tables: z.array(TableFreshnessSchema),
      })
      .optional()
      .openapi({
        description:
          "Each warehouse table's last load and last data date. When production data is older than `max_age_days` (per environment, `FRESHNESS_MAX_AGE_DAYS`), the table is named in `stale_tables` and the status is `degraded` (still 200). Absent when the warehouse cannot be read.",
      }),
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
    'Checks each dependency (database, vector extension, warehouse, rate-limit store, model endpoints) with its latency, and the freshness of each warehouse table. 503 when a required dependency is down; `degraded` (200) when an optional one is down or production data is stale. Results are reused for `READINESS_CACHE_MS` (5 s by default) and probed once at a time. No key needed; never shows connection strings.',
  responses: {
    200: jsonContent(ReadinessSchema, 'All required dependencies are up.'),
    503: jsonContent(ReadinessSchema, 'A required dependency is down.'),
  },
});

const startedAt = Date.now();

/** The liveness answer (`GET /health`): also served by the server's liveness listener before the app. */
export function livenessAnswer(
  services: Pick<Services, 'config' | 'version'>,
): z.infer<typeof LivenessSchema> {
  return {
    status: 'ok',
    env: services.config.env,
    version: services.version,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
  };
}

/** `/health` and `/health/ready`. */
export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(liveness, async (c) => {
    const services = c.get('services');
    const deep = c.req.valid('query').deep;
    if (deep === '1' || deep === 'true') {
      const report = await services.readiness();
      return c.json(report, report.status === 'not_ready' ? 503 : 200);
    }
    return c.json(livenessAnswer(services), 200);
  })
  .openapi(readiness, async (c) => {
    const report = await c.get('services').readiness();
    c.header('Cache-Control', 'no-store');
    return c.json(report, report.status === 'not_ready' ? 503 : 200);
  });
