import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { notModified } from '../../http/delivery.js';
import { memoizeResponses } from '../../http/middleware/memoize-responses.js';
import { authErrors, keySecurity } from '../../http/openapi.js';
import { RangeQuery } from './schemas.js';

const InsightSchema = z
  .object({
    rank: z.number().int(),
    type: z.enum(['pace_to_plan', 'period_over_period', 'unusual_change', 'top_detractor', 'new_trend']),
    score: z.number(),
    statement: z.string(),
    dims: z.object({
      site_id: z.string().optional(),
      asset_id: z.string().optional(),
      product_id: z.string(),
    }),
    numbers: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  })
  .openapi('DigestInsight');

const route = createRoute({
  method: 'get',
  path: '/insights/digest',
  middleware: [memoizeResponses()] as const,
  tags: ['insights'],
  summary: "The day's ranked insights in plain language",
  description:
    "Pace to plan with projected month end, day-over-day change, unusual days, top detractors and new trends for one product (default: the model's default product), ranked by volume at stake. Default date: the last day with data.",
  security: keySecurity,
  request: { query: z.object({ date: RangeQuery.date, site: RangeQuery.site, product: RangeQuery.product }) },
  responses: {
    200: {
      description: 'Ranked insights.',
      content: {
        'application/json': {
          schema: z
            .object({
              data: z.array(InsightSchema),
              meta: z.object({
                date: z.string(),
                as_of: z.string().nullable(),
                query_ids: z.array(z.string()),
                cache_hit: z.boolean(),
              }),
            })
            .openapi('DigestResponse'),
        },
      },
    },
    304: { description: 'Not modified.' },
    ...authErrors,
  },
});

/** `GET /insights/digest`. */
export const digestRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { insights } = c.get('services');
  const filters = await insights.resolveFilters(query, c.get('principal').siteAllowlist, {
    range: 'last_day',
    defaultProduct: true,
  });
  const result = await insights.digest(filters, filters.to);
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, result.etag);
  if (cached) return cached;
  return c.json(
    {
      data: result.value.insights,
      meta: {
        date: filters.to,
        as_of: result.asOf,
        query_ids: result.value.queryIds,
        cache_hit: result.cacheHit,
      },
    },
    200,
  );
});
