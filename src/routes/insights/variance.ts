import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { csvResponse, notModified } from '../../http/delivery.js';
import { memoizeResponses } from '../../http/middleware/memoize-responses.js';
import { authErrors, keySecurity, problemContent } from '../../http/openapi.js';
import { RangeQuery } from './schemas.js';

const ContributorSchema = z
  .object({
    member: z.string(),
    label: z.string(),
    current: z.number().nullable(),
    baseline: z.number().nullable(),
    change: z.number(),
    change_pct: z.number().nullable(),
    share_of_change_pct: z.number().nullable(),
    favourable: z.boolean(),
  })
  .openapi('Contributor');

const VarianceSchema = z
  .object({
    data: z.object({
      compare: z.enum(['plan', 'forecast', 'previous_period', 'year_ago']),
      by: z.enum(['site', 'asset', 'product', 'cause']),
      metric: z.literal('actual_volume'),
      unit: z.string(),
      products: z.array(z.string()),
      period: z.object({ from: z.string(), to: z.string() }),
      baseline_period: z.object({ from: z.string(), to: z.string() }),
      total: z.object({
        current: z.number(),
        baseline: z.number(),
        change: z.number(),
        change_pct: z.number().nullable(),
        favourable: z.boolean(),
      }),
      contributors: z.array(ContributorSchema).openapi({
        description: 'Their `change` values sum to `total.change` exactly (to the thousandth).',
      }),
      drivers: z.array(z.string()).openapi({ description: 'Favourable contributors, largest first.' }),
      detractors: z.array(z.string()).openapi({ description: 'Unfavourable contributors, largest first.' }),
      notes: z.array(z.string()),
    }),
    meta: z.object({ as_of: z.string().nullable(), query_ids: z.array(z.string()), cache_hit: z.boolean() }),
  })
  .openapi('VarianceResponse');

const CONTRIBUTOR_COLUMNS = [
  'member',
  'label',
  'current',
  'baseline',
  'change',
  'change_pct',
  'share_of_change_pct',
  'favourable',
] as const;

const route = createRoute({
  method: 'get',
  path: '/insights/variance',
  middleware: [memoizeResponses()] as const,
  tags: ['insights'],
  summary: 'Change against plan, forecast, previous period or a year ago, with contributors',
  description:
    "Total change of actual volume and its contributors by site, asset, product or downtime cause (`by=cause`: lost volume by cause plus an `unexplained` remainder). Defaults: the last 30 days with data, compare=plan, by=site, the model's default product. `format=csv` returns the contributors.",
  security: keySecurity,
  request: {
    query: z.object({
      ...RangeQuery,
      compare: z.enum(['plan', 'forecast', 'previous_period', 'year_ago']).default('plan'),
      by: z.enum(['site', 'asset', 'product', 'cause']).default('site'),
      format: z.enum(['json', 'csv']).default('json'),
    }),
  },
  responses: {
    200: {
      description: 'The variance.',
      content: { 'application/json': { schema: VarianceSchema }, 'text/csv': { schema: z.string() } },
    },
    304: { description: 'Not modified.' },
    422: problemContent('No data for the comparison (e.g. no plan loaded: use previous_period).'),
    ...authErrors,
  },
});

/** `GET /insights/variance`. */
export const varianceRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { insights } = c.get('services');
  const filters = await insights.resolveFilters(query, c.get('principal').siteAllowlist, {
    range: 'last_30_days',
    defaultProduct: query.by !== 'product',
  });
  const result = await insights.variance(filters, query.compare, query.by);
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, `${result.etag.slice(0, -1)}-${query.format}"`);
  if (cached) return cached;
  if (query.format === 'csv')
    return csvResponse(c, 'variance', CONTRIBUTOR_COLUMNS, result.value.contributors);
  const { query_ids, ...data } = result.value;
  return c.json({ data, meta: { as_of: result.asOf, query_ids, cache_hit: result.cacheHit } }, 200);
});
