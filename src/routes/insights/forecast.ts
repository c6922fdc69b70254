import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { csvResponse, notModified } from '../../http/delivery.js';
import { authErrors, keySecurity, problemContent } from '../../http/openapi.js';
import { RangeQuery } from './schemas.js';

const nullableNumber = z.number().nullable();

const ForecastPointSchema = z
  .object({
    date: z.string(),
    p10: z.number(),
    p50: z.number(),
    p90: z.number(),
    lower: z.number().openapi({ description: 'Lower bound of the requested central interval.' }),
    upper: z.number().openapi({ description: 'Upper bound of the requested central interval.' }),
  })
  .openapi('ForecastPoint');

const ForecastResponseSchema = z
  .object({
    data: z.object({
      source: z.enum(['warehouse', 'builtin']),
      model: z.string().openapi({ description: '`naive`, `seasonal_naive`, `ets`, `arps` or `warehouse`.' }),
      model_version: z.string().nullable().openapi({ description: 'FORECAST_DAILY model version.' }),
      fitted_at: z.string().openapi({
        description: 'Built-in: last history date of the fit. Warehouse: latest generated_at of the rows.',
      }),
      horizon: z.number().int(),
      interval: z.number(),
      unit: z.string(),
      scope: z.object({
        site_id: z.string().optional(),
        asset_id: z.string().optional(),
        product_id: z.string(),
      }),
      points: z.array(ForecastPointSchema),
      backtest: z
        .object({
          method: z.enum(['builtin_in_sample', 'warehouse_vs_actuals']),
          mase: nullableNumber,
          smape: nullableNumber,
          bias: nullableNumber,
          coverage: nullableNumber,
          horizon_days: z.number().int().nullable(),
          origins: z.number().int().nullable(),
          days: z.number().int().nullable(),
        })
        .nullable()
        .openapi({
          description:
            'builtin_in_sample: the selected model on rolling origins within the last year of history (a health indicator: the same origins calibrate the intervals). warehouse_vs_actuals: the warehouse rows dated within the last year compared with actuals (lead time unknown).',
        }),
      history_days: z.number().int(),
      shut_in: z.object({
        current: z.boolean(),
        current_run_days: z.number().int(),
        historical_fraction: z.number(),
      }),
      notes: z.array(z.string()),
    }),
    meta: z.object({ as_of: z.string().nullable(), cache_hit: z.boolean(), query_ids: z.array(z.string()) }),
  })
  .openapi('ForecastResponse');

const POINT_COLUMNS = ['date', 'p10', 'p50', 'p90', 'lower', 'upper'] as const;

const route = createRoute({
  method: 'get',
  path: '/insights/forecast',
  tags: ['insights'],
  summary: 'P10/P50/P90 forecast of one site or asset',
  description:
    'Daily forecast of one site or one asset and one product for `horizon` days after the last date with data. Source `auto` uses the warehouse FORECAST_DAILY rows of the configured model version when they cover every active asset on every day of the horizon (summed over assets; interval 0.8 only), and the built-in models fitted on the summed daily series otherwise. `format=csv` returns the points.',
  security: keySecurity,
  request: {
    query: z.object({
      site: RangeQuery.site.openapi({ description: 'One site id (give site or asset, not both).' }),
      asset: RangeQuery.asset.openapi({ description: 'One asset id (give site or asset, not both).' }),
      product: RangeQuery.product.openapi({
        description: "One product id; the model's default when absent.",
      }),
      horizon: z.coerce
        .number()
        .int()
        .min(1)
        .max(180)
        .default(30)
        .openapi({ description: 'Days to forecast (1–180).' }),
      interval: z.coerce
        .number()
        .min(0.5)
        .max(0.98)
        .default(0.8)
        .openapi({ description: 'Central interval of lower/upper (0.5–0.98); 0.8 gives P10–P90.' }),
      source: z.enum(['auto', 'warehouse', 'builtin']).default('auto'),
      format: z.enum(['json', 'csv']).default('json'),
    }),
  },
  responses: {
    200: {
      description: 'The forecast.',
      content: {
        'application/json': { schema: ForecastResponseSchema },
        'text/csv': { schema: z.string() },
      },
    },
    304: { description: 'Not modified.' },
    422: problemContent(
      'The series cannot be forecast (too short, ends too long ago) or the warehouse has no forecast for source=warehouse.',
    ),
    ...authErrors,
  },
});

/** `GET /insights/forecast`. */
export const forecastRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const { forecasts } = c.get('services');
  const filters = await forecasts.resolveScope(query, c.get('principal').siteAllowlist);
  const result = await forecasts.forecast({
    filters,
    horizon: query.horizon,
    interval: query.interval,
    source: query.source,
  });
  c.get('event').cache_hit = result.cacheHit;
  const cached = notModified(c, `${result.etag.slice(0, -1)}-${query.format}"`);
  if (cached) return cached;
  if (query.format === 'csv') return csvResponse(c, 'forecast', POINT_COLUMNS, result.value.points);
  const { query_ids, ...data } = result.value;
  return c.json({ data, meta: { as_of: result.asOf, cache_hit: result.cacheHit, query_ids } }, 200);
});
