import { z } from '@hono/zod-openapi';
import { LOADABLE_TABLE_NAMES, QUALITY_FLAGS } from '../../domain/importer/index.js';

/** Path parameter naming a registered mapping. */
export const MappingParams = z.object({
  mapping: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a registered mapping name (a-z, 0-9, _ and -)')
    .openapi({ param: { name: 'mapping', in: 'path' }, example: 'volve' }),
});

/** The summary of a load, as `datalive load-csv --json` prints it. */
export const LoadSummarySchema = z
  .object({
    status: z.enum(['loaded', 'validated']),
    table: z.enum(LOADABLE_TABLE_NAMES),
    source: z.string(),
    dryRun: z.boolean(),
    rowsRead: z.number().int(),
    rowsFiltered: z.number().int(),
    rowsLoaded: z.number().int(),
    rowsReplaced: z.number().int(),
    flaggedRows: z.number().int(),
    flags: z.object(Object.fromEntries(QUALITY_FLAGS.map((flag) => [flag, z.number().int()]))),
    dimensions: z.array(z.object({ table: z.string(), rows: z.number().int(), updated: z.number().int() })),
    unitConversions: z.array(
      z.object({ product_id: z.string(), from: z.string(), to: z.string(), factor: z.number() }),
    ),
    warnings: z.array(z.string()),
    loadedAt: z.string(),
    seconds: z.number(),
  })
  .openapi('LoadSummary');

/** A registered mapping as listed by `GET /warehouse/mappings`. */
export const RegisteredMappingSchema = z
  .object({
    name: z.string(),
    table: z.enum(LOADABLE_TABLE_NAMES).nullable(),
    products: z.array(z.string()),
    convert_units: z.record(z.string(), z.object({ from: z.string(), to: z.string() })),
    error: z.string().nullable(),
  })
  .openapi('RegisteredMapping');
