import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { isIsoDate } from '../../domain/dates.js';
import type { DailyCursor } from '../../domain/insights/daily.js';
import type { AppEnv } from '../../http/context.js';
import {
  csvPagingHeaders,
  csvResponse,
  decodeCursor,
  encodeCursor,
  listEnvelopeResponse,
  memoized,
  nextLink,
  notModified,
  queryFingerprint,
} from '../../http/delivery.js';
import { memoizeResponses } from '../../http/middleware/memoize-responses.js';
import { authErrors, keySecurity } from '../../http/openapi.js';
import {
  DAILY_COLUMNS,
  DailyRowSchema,
  LinksSchema,
  MetaSchema,
  PagingQuery,
  RangeQuery,
} from './schemas.js';

const DailyResponseSchema = z
  .object({ data: z.array(DailyRowSchema), meta: MetaSchema, links: LinksSchema })
  .openapi('DailyResponse');

const route = createRoute({
  method: 'get',
  path: '/insights/daily',
  middleware: [memoizeResponses()] as const,
  tags: ['insights'],
  summary: 'Daily actual, plan, forecast and variance per date × asset × product',
  description:
    'Flat rows ordered by date, asset and product; paged with `limit` and `links.next`; `format=csv` returns the same columns, with the next page in a `Link: <…>; rel="next"` header and `X-Has-More: false` on the last page. Without dates: the last day with data; `from` and `to` go together (inclusive), `date` for one day. Unknown parameters are 400.',
  security: keySecurity,
  request: { query: z.object({ ...RangeQuery, ...PagingQuery }) },
  responses: {
    200: {
      description: 'A page of rows.',
      content: {
        'application/json': { schema: DailyResponseSchema },
        'text/csv': { schema: z.string().openapi({ description: `Columns: ${DAILY_COLUMNS.join(', ')}` }) },
      },
      headers: csvPagingHeaders,
    },
    304: { description: 'Not modified (ETag matched).' },
    ...authErrors,
  },
});

const isCursor = (value: unknown): value is DailyCursor =>
  Array.isArray(value) &&
  value.length === 3 &&
  value.every((part) => typeof part === 'string' && part.length <= 200) &&
  isIsoDate(value[0]);

/** `GET /insights/daily`. */
export const dailyRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { insights } = c.get('services');
  const fingerprint = memoized(() => queryFingerprint(c));
  const after = query.cursor ? decodeCursor(query.cursor, fingerprint(), isCursor) : null;
  const filters = await insights.resolveFilters(query, c.get('principal').siteAllowlist, {
    range: 'last_day',
  });
  const result = await insights.daily(filters, { limit: query.limit, after });
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, `${result.etag.slice(0, -1)}-${query.format}"`);
  if (cached) return cached;
  const page = result.value;
  const next = nextLink(c, page.next ? encodeCursor(page.next, fingerprint()) : null);
  if (query.format === 'csv') return csvResponse(c, 'daily', DAILY_COLUMNS, page.rows, next);
  return listEnvelopeResponse(c, {
    data: page.rows,
    meta: {
      as_of: result.asOf,
      count: page.rows.length,
      query_ids: [page.queryId],
      cache_hit: result.cacheHit,
      quality_flags: page.quality,
    },
    links: { next },
  } satisfies z.input<typeof DailyResponseSchema>);
});
