import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { jsonContent, problemContent } from '../http/openapi.js';

const IndexSchema = z
  .object({
    name: z.literal('DatAlive API'),
    env: z.enum(['dev', 'qa', 'prod']),
    version: z.string(),
    links: z.object({
      insights: z.string(),
      openapi: z.string(),
      docs: z.string(),
      console: z.string(),
      health: z.string(),
    }),
  })
  .openapi('ApiIndex');

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['health'],
  summary: 'Index of the API',
  description:
    'A small index with links, no key needed: answers 200 so a client testing the base URL (Power BI "test connection") succeeds.',
  responses: {
    200: jsonContent(IndexSchema, 'Where to go next.'),
    400: problemContent('An unknown query parameter (only `api_key` is accepted, and ignored).'),
  },
});

/** `GET /`: the API's index. */
export const indexRoute = new OpenAPIHono<AppEnv>().openapi(route, (c) => {
  const services = c.get('services');
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      name: 'DatAlive API' as const,
      env: services.config.env,
      version: services.version,
      links: {
        insights: '/insights',
        openapi: '/openapi.json',
        docs: '/docs',
        console: '/console',
        health: '/health',
      },
    },
    200,
  );
});
