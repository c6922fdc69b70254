import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { EventCursor } from '../../domain/insights/events.js';
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
import { LinksSchema, PagingQuery, RangeQuery } from './schemas.js';

/** Columns of an event row, in CSV order. */
export const EVENT_COLUMNS = [
  'event_id',
  'site_id',
  'asset_id',
  'asset_name',
  'asset_type',
  'product_id',
  'unit',
  'start_ts',
  'end_ts',
  'duration_hours',
  'cause_code',
  'cause_category',
  'lost_volume',
  'lost_volume_in_range',
  'description',
] as const;

const DowntimeEventSchema = z
  .object({
    event_id: z.string(),
    site_id: z.string(),
    asset_id: z.string().openapi({ description: 'The stopped equipment (a well or a facility).' }),
    asset_name: z.string(),
    asset_type: z.string().openapi({ example: 'compressor' }),
    product_id: z
      .string()
      .nullable()
      .openapi({ description: 'Product whose volume the event deferred; null for a facility-level row.' }),
    unit: z.string().nullable().openapi({ description: 'Unit of the lost volume (null without a product).' }),
    start_ts: z.string().openapi({ description: 'Start, ISO-8601 local time of the site, no zone.' }),
    end_ts: z.string(),
    duration_hours: z.number(),
    cause_code: z.string().openapi({ example: 'CMP-TRIP' }),
    cause_category: z.string().openapi({ description: '`planned` or `unplanned`.' }),
    lost_volume: z.number().nullable().openapi({ description: 'Estimated lost volume of the whole event.' }),
    lost_volume_in_range: z.number().nullable().openapi({
      description: 'The part of `lost_volume` within from–to, prorated by overlapping hours.',
    }),
    description: z.string().nullable().openapi({ description: 'Free text recorded with the event.' }),
  })
  .openapi('DowntimeEvent');

const EventsMetaSchema = z
  .object({
    as_of: z.string().nullable(),
    count: z.number().int(),
    query_ids: z.array(z.string()),
    cache_hit: z.boolean(),
    period: z.object({ from: z.string(), to: z.string() }),
  })
  .openapi('EventsMeta');

const EventsResponseSchema = z
  .object({ data: z.array(DowntimeEventSchema), meta: EventsMetaSchema, links: LinksSchema })
  .openapi('EventsResponse');

const route = createRoute({
  method: 'get',
  path: '/insights/events',
  middleware: [memoizeResponses()] as const,
  tags: ['insights'],
  summary: 'Downtime events: equipment, start/end, cause, lost volume',
  description:
    "Downtime events overlapping the range at the key's sites, oldest start first; paged with `limit` and `links.next`; `format=csv` returns the same columns. A stop is one row per stopped facility (no product) plus one row per affected well and product; `product` keeps that product's rows and the facility rows. Defaults: the last 30 days with data.",
  security: keySecurity,
  request: {
    query: z.object({
      ...RangeQuery,
      cause_category: z
        .enum(['planned', 'unplanned'])
        .optional()
        .openapi({ description: 'Only planned or only unplanned events.' }),
      ...PagingQuery,
    }),
  },
  responses: {
    200: {
      description: 'A page of events.',
      content: {
        'application/json': { schema: EventsResponseSchema },
        'text/csv': { schema: z.string().openapi({ description: `Columns: ${EVENT_COLUMNS.join(', ')}` }) },
      },
    },
    304: { description: 'Not modified (ETag matched).' },
    ...authErrors,
  },
});

const isCursor = (value: unknown): value is EventCursor =>
  Array.isArray(value) &&
  value.length === 2 &&
  value.every((part) => typeof part === 'string' && part.length <= 200) &&
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value[0] as string);

/** `GET /insights/events`. */
export const eventsRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { insights } = c.get('services');
  const fingerprint = memoized(() => queryFingerprint(c));
  const after = query.cursor ? decodeCursor(query.cursor, fingerprint(), isCursor) : null;
  const filters = await insights.resolveFilters(query, c.get('principal').siteAllowlist, {
    range: 'last_30_days',
  });
  const result = await insights.events(filters, {
    limit: query.limit,
    after,
    ...(query.cause_category ? { causeCategory: query.cause_category } : {}),
  });
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, `${result.etag.slice(0, -1)}-${query.format}"`);
  if (cached) return cached;
  const page = result.value;
  if (query.format === 'csv') return csvResponse(c, 'events', EVENT_COLUMNS, page.rows);
  return c.json(
    {
      data: page.rows,
      meta: {
        as_of: result.asOf,
        count: page.rows.length,
        query_ids: [page.queryId],
        cache_hit: result.cacheHit,
        period: { from: filters.from, to: filters.to },
      },
      links: { next: nextLink(c, page.next ? encodeCursor(page.next, fingerprint()) : null) },
    } satisfies z.input<typeof EventsResponseSchema>,
    200,
  );
});
