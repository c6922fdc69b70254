import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import {
  csvResponse,
  decodeCursor,
  encodeCursor,
  memoized,
  nextLink,
  notModified,
  queryFingerprint,
} from '../../http/delivery.js';
import { memoizeResponses } from '../../http/middleware/memoize-responses.js';
import { authErrors, keySecurity } from '../../http/openapi.js';
import { LinksSchema, MetaSchema, PagingQuery, RangeQuery } from './schemas.js';

const AnomalySchema = z
  .object({
    date: z.string(),
    scope: z.enum(['site', 'asset']),
    member: z.string(),
    label: z.string(),
    product_id: z.string(),
    unit: z.string(),
    actual: z.number(),
    expected: z.number(),
    expected_low: z.number(),
    expected_high: z.number(),
    deviation: z.number(),
    deviation_pct: z.number().nullable(),
    robust_z: z.number(),
    direction: z.enum(['drop', 'spike']),
    top_contributor: z
      .object({ asset_id: z.string(), deviation: z.number(), share_pct: z.number() })
      .nullable(),
    events: z.array(
      z.object({
        event_id: z.string(),
        asset_id: z.string(),
        cause_code: z.string(),
        cause_category: z.string(),
        description: z.string().nullable(),
      }),
    ),
    explanation: z.string(),
  })
  .openapi('Anomaly');

const ANOMALY_COLUMNS = [
  'date',
  'scope',
  'member',
  'label',
  'product_id',
  'unit',
  'actual',
  'expected',
  'expected_low',
  'expected_high',
  'deviation',
  'deviation_pct',
  'robust_z',
  'direction',
  'top_asset',
  'cause_codes',
  'explanation',
] as const;

const route = createRoute({
  method: 'get',
  path: '/insights/anomalies',
  middleware: [memoizeResponses()] as const,
  tags: ['insights'],
  summary: 'Unusual days by a robust rolling median / MAD test',
  description:
    'Per site (or per asset when `asset` is given) and product, days whose volume falls outside the 28-day rolling median ± k·MAD (k = 6, 4, 3 for low, medium, high sensitivity). Each anomaly names the asset that moved most and the overlapping downtime events. Defaults: last 30 days, all products.',
  security: keySecurity,
  request: {
    query: z.object({
      ...RangeQuery,
      sensitivity: z.enum(['low', 'medium', 'high']).default('medium'),
      ...PagingQuery,
    }),
  },
  responses: {
    200: {
      description: 'Anomalies, oldest first.',
      content: {
        'application/json': {
          schema: z
            .object({ data: z.array(AnomalySchema), meta: MetaSchema, links: LinksSchema })
            .openapi('AnomaliesResponse'),
        },
        'text/csv': { schema: z.string() },
      },
    },
    304: { description: 'Not modified.' },
    ...authErrors,
  },
});

const isOffset = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** `GET /insights/anomalies`. */
export const anomaliesRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { insights } = c.get('services');
  const fingerprint = memoized(() => queryFingerprint(c));
  const offset = query.cursor ? (decodeCursor(query.cursor, fingerprint(), isOffset) ?? 0) : 0;
  const filters = await insights.resolveFilters(query, c.get('principal').siteAllowlist, {
    range: 'last_30_days',
  });
  const result = await insights.anomalies(filters, query.sensitivity);
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, `${result.etag.slice(0, -1)}-${offset}-${query.limit}-${query.format}"`);
  if (cached) return cached;
  const all = result.value.anomalies;
  const page = all.slice(offset, offset + query.limit);
  const next = offset + query.limit < all.length ? encodeCursor(offset + query.limit, fingerprint()) : null;
  if (query.format === 'csv') {
    return csvResponse(
      c,
      'anomalies',
      ANOMALY_COLUMNS,
      page.map((anomaly) => ({
        ...anomaly,
        top_asset: anomaly.top_contributor?.asset_id ?? null,
        cause_codes: [...new Set(anomaly.events.map((event) => event.cause_code))].join(';'),
      })),
      nextLink(c, next),
    );
  }
  return c.json(
    {
      data: page,
      meta: {
        as_of: result.asOf,
        count: page.length,
        query_ids: result.value.queryIds,
        cache_hit: result.cacheHit,
      },
      links: { next: nextLink(c, next) },
    },
    200,
  );
});
