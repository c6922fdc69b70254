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
      model: z.string().openapi({
        description: '`naive`, `seasonal_naive`, `ets`, `arps`, `combination` or `warehouse`.',
      }),
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
      as_of: z.string().openapi({
        description:
          'Last day with data of this scope; the points start the day after. Earlier than meta.as_of for a series that ended (e.g. a well shut in for good).',
      }),
      points: z.array(ForecastPointSchema),
      interval_calibration: z.enum(['conformal', 'as_issued']).openapi({
        description:
          'conformal: lower/upper from out-of-sample ratios actual/forecast per horizon band (split-conformal). as_issued: a warehouse band served unchanged because it could not be scored out of sample.',
      }),
      selection: z
        .object({
          chosen: z.string(),
          reason: z.string(),
          metric: z.enum(['mase_1_to_h']),
          horizon_days: z.number().int(),
          origins: z.number().int(),
          first_origin: z.string().nullable(),
          last_origin: z.string().nullable(),
          candidates: z.array(
            z.object({
              model: z.string(),
              source: z.enum(['warehouse', 'builtin']),
              mase: nullableNumber,
              coverage: nullableNumber,
              issued_coverage: nullableNumber,
              origins: z.number().int(),
              eligible: z.boolean(),
              note: z.string().nullable(),
            }),
          ),
        })
        .openapi({
          description:
            'Why the model was chosen: every candidate (built-in models, their combination, the warehouse forecast) forecast from the same origins using only the days before each, scored by MASE of P50 over days 1..horizon; the lowest wins, naive wins ties. Warehouse rows count only when generated before the day they forecast.',
        }),
      backtest: z
        .object({
          method: z.enum(['selection_out_of_sample']),
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
            'The chosen candidate on the selection origins, out of sample (slightly optimistic: the choice was made on the same origins).',
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
    'Daily forecast of one site or one asset and one product for `horizon` days after the last date with data of that scope (`data.as_of`). Source `auto` lets the built-in models, their combination and the warehouse FORECAST_DAILY rows of the configured model version (summed over the active assets) compete on the same rolling origins, out of sample; `selection` says which won and why. `builtin` leaves the warehouse out; `warehouse` serves its rows (interval 0.8), re-calibrated when they can be scored. `format=csv` returns the points.',
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
