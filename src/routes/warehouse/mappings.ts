import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listRegisteredMappings } from '../../domain/importer/index.js';
import type { AppEnv } from '../../http/context.js';
import { authErrors, jsonContent, keySecurity } from '../../http/openapi.js';
import { RegisteredMappingSchema } from './schemas.js';

const route = createRoute({
  method: 'get',
  path: '/warehouse/mappings',
  tags: ['warehouse'],
  summary: 'List the mappings registered for HTTP loads',
  description:
    'Needs the `warehouse:write` or `admin` scope. A mapping is registered by placing `NAME.yaml` in the mappings folder (`WAREHOUSE_MAPPINGS_DIR`, default `$DATALIVE_DATA_DIR/mappings`); an invalid file is listed with its error.',
  security: keySecurity,
  responses: {
    200: jsonContent(
      z.object({ data: z.array(RegisteredMappingSchema) }).openapi('MappingList'),
      'Mappings by name.',
    ),
    ...authErrors,
  },
});

/** `GET /warehouse/mappings`. */
export const mappingsRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const entries = await listRegisteredMappings(c.get('services').config.loads.mappingsDir);
  return c.json(
    {
      data: entries.map((entry) =>
        'error' in entry
          ? { name: entry.name, table: null, products: [] as string[], convert_units: {}, error: entry.error }
          : {
              name: entry.name,
              table: entry.mapping.table,
              products: [
                ...new Set([
                  ...(entry.mapping.dimensions.products ?? []).flatMap((row) =>
                    row.product_id && 'value' in row.product_id ? [String(row.product_id.value)] : [],
                  ),
                  ...entry.mapping.unpivot.flatMap((unpivot) =>
                    unpivot.columns.product_id && 'value' in unpivot.columns.product_id
                      ? [String(unpivot.columns.product_id.value)]
                      : [],
                  ),
                ]),
              ],
              convert_units: Object.fromEntries(
                Object.entries(entry.mapping.convertUnits).map(([product, conversion]) => [
                  product,
                  { from: conversion.from, to: conversion.to },
                ]),
              ),
              error: null,
            },
      ),
    },
    200,
  );
});
