import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { notModified } from '../../http/delivery.js';
import { authErrors, jsonContent, keySecurity } from '../../http/openapi.js';

const MemberSchema = z.object({ id: z.string(), name: z.string() });

const CatalogSchema = z
  .object({
    metrics: z.array(
      z.object({
        name: z.string(),
        label: z.string(),
        description: z.string(),
        unit: z.string(),
        up_is_good: z.boolean(),
      }),
    ),
    dimensions: z.array(
      z.object({
        name: z.string(),
        label: z.string(),
        members: z
          .array(MemberSchema.extend({ site_id: z.string().optional(), unit: z.string().optional() }))
          .optional(),
        values: z.array(z.string()).optional(),
      }),
    ),
    insight_types: z.array(z.object({ name: z.string(), path: z.string(), description: z.string() })),
    default_product: z.string(),
    forecast_versions: z.array(z.string()),
    data: z.object({
      as_of: z.string().nullable(),
      first_date: z.string().nullable(),
      quality_flags: z.record(z.string(), z.number()),
      freshness_max_age_days: z.number().int(),
      tables: z
        .array(
          z.object({
            table: z.string(),
            last_load_at: z.string().nullable(),
            last_data_date: z.string().nullable(),
            age_days: z.number().int().nullable(),
            stale: z.boolean(),
          }),
        )
        .openapi({
          description:
            "Each warehouse table's last load (`load_metadata`), last data date and age in days; `stale` when the production data is older than `freshness_max_age_days` (per environment).",
        }),
    }),
  })
  .openapi('Catalog');

const route = createRoute({
  method: 'get',
  path: '/insights',
  tags: ['insights'],
  summary: 'Catalog of metrics, dimensions, insight types and data freshness',
  description:
    "What can be asked, and how fresh the data is (`data.as_of`). Members are limited to the key's sites.",
  security: keySecurity,
  responses: {
    200: jsonContent(CatalogSchema, 'The catalog.'),
    304: { description: 'Not modified.' },
    ...authErrors,
  },
});

/** `GET /insights`. */
export const catalogRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { insights, config } = c.get('services');
  const catalog = await insights.catalog();
  const tables = await insights.freshness(config.freshnessMaxAgeDays);
  const allowed = c.get('principal').siteAllowlist;
  const sites = allowed ? catalog.sites.filter((site) => allowed.includes(site.id)) : catalog.sites;
  const assets = allowed ? catalog.assets.filter((asset) => allowed.includes(asset.site_id)) : catalog.assets;
  const cached = notModified(
    c,
    `"catalog-${createHash('sha256')
      .update(
        `${catalog.dataVersion}|${tables.map((table) => table.age_days).join(',')}|${allowed?.join(',') ?? '*'}`,
      )
      .digest('base64url')
      .slice(0, 32)}"`,
  );
  if (cached) return cached;
  const model = insights.model;
  return c.json(
    {
      metrics: Object.entries(model.metrics).map(([name, metric]) => ({
        name,
        label: metric.label,
        description: metric.description,
        unit: metric.unit,
        up_is_good: metric.up_is_good,
      })),
      dimensions: Object.entries(model.dimensions).map(([name, dimension]) => ({
        name,
        label: dimension.label,
        ...(name === 'site' ? { members: sites } : {}),
        ...(name === 'asset'
          ? { members: assets.map(({ id, name: label, site_id }) => ({ id, name: label, site_id })) }
          : {}),
        ...(name === 'product' ? { members: catalog.products } : {}),
        ...(dimension.values ? { values: dimension.values } : {}),
      })),
      insight_types: model.insight_types,
      default_product: model.default_product,
      forecast_versions: catalog.forecastVersions,
      data: {
        as_of: catalog.asOf,
        first_date: catalog.firstDate,
        quality_flags: catalog.qualityFlags,
        freshness_max_age_days: config.freshnessMaxAgeDays,
        tables,
      },
    },
    200,
  );
});
