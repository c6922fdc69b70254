import { z } from '@hono/zod-openapi';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .openapi({ example: '2025-06-14' });

const memberList = (name: string, example: string) =>
  z
    .string()
    .max(2000)
    .regex(/^[A-Za-z0-9 ._:/-]+(,[A-Za-z0-9 ._:/-]+)*$/, 'must be a comma-separated list of ids')
    .transform((value) => value.split(',').map((item) => item.trim()))
    .optional()
    .openapi({ description: `One ${name} id or several, comma-separated.`, example });

/** Query parameters shared by the list endpoints. */
export const RangeQuery = {
  date: isoDate.optional().openapi({ description: 'A single day (instead of from/to).' }),
  from: isoDate.optional().openapi({ description: 'First day, inclusive.' }),
  to: isoDate.optional().openapi({ description: 'Last day, inclusive (range ≤ 1096 days).' }),
  site: memberList('site', 'SITE-B'),
  asset: memberList('asset', 'WELL-B01'),
  product: memberList('product', 'oil'),
};

/** Paging and format parameters. */
export const PagingQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .openapi({ description: 'Rows per page (1–10000).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'Opaque cursor from `links.next`.' }),
  format: z
    .enum(['json', 'csv'])
    .default('json')
    .openapi({ description: 'json (default) or RFC 4180 csv with the same columns.' }),
};

/** The `meta` block of list responses. */
export const MetaSchema = z
  .object({
    as_of: z.string().nullable().openapi({ description: 'Last date with production data.' }),
    count: z.number().int(),
    query_ids: z.array(z.string()),
    cache_hit: z.boolean(),
    quality_flags: z.record(z.string(), z.number()).optional().openapi({
      description:
        'Rows of this page per data-quality flag (negative_volume, hours_over_24, volume_without_hours, duplicate_key, …).',
    }),
  })
  .openapi('Meta');

/** Paging links. */
export const LinksSchema = z.object({ next: z.string().nullable() }).openapi('Links');

/** Columns of a daily row, in CSV order. */
export const DAILY_COLUMNS = [
  'date',
  'site_id',
  'asset_id',
  'product_id',
  'unit',
  'actual_volume',
  'planned_volume',
  'forecast_volume',
  'variance_abs',
  'variance_pct',
  'uptime_hours',
  'uptime_pct',
  'downtime_events',
  'lost_volume',
  'cause_codes',
  'quality_flags',
] as const;

/** One daily row. */
export const DailyRowSchema = z
  .object({
    date: z.string(),
    site_id: z.string(),
    asset_id: z.string(),
    product_id: z.string(),
    unit: z.string(),
    actual_volume: z.number().nullable(),
    planned_volume: z.number().nullable(),
    forecast_volume: z.number().nullable(),
    variance_abs: z.number().nullable(),
    variance_pct: z.number().nullable(),
    uptime_hours: z.number().nullable(),
    uptime_pct: z.number().nullable(),
    downtime_events: z.number().int(),
    lost_volume: z.number(),
    cause_codes: z.string().openapi({ description: 'Cause codes of overlapping events, `;`-separated.' }),
    quality_flags: z.string().openapi({ description: 'Data-quality flags of the row, `,`-separated.' }),
  })
  .openapi('DailyRow');
