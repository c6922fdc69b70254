import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
const QUALIFIED_TABLE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const COLUMN_SQL = /^[a-z]\.[a-z][a-z0-9_]*$/;

const metricSchema = z
  .object({
    label: z.string(),
    description: z.string(),
    sql: z.string().optional(),
    derived: z.string().optional(),
    source: z.enum(['production', 'forecast', 'downtime']).default('production'),
    unit: z.enum(['product', 'percent', 'hours', 'count']),
    up_is_good: z.boolean(),
  })
  .strict();

const dimensionSchema = z
  .object({
    label: z.string(),
    sql: z.string().regex(COLUMN_SQL),
    type: z.enum(['date', 'member']).default('member'),
    source: z.enum(['production', 'downtime']).default('production'),
    members: z
      .object({
        table: z.string().regex(QUALIFIED_TABLE),
        id: z.string().regex(IDENTIFIER),
        name: z.string().regex(IDENTIFIER),
      })
      .strict()
      .optional(),
    values: z.array(z.string()).optional(),
  })
  .strict();

const sourceSchema = z
  .object({
    table: z.string().regex(QUALIFIED_TABLE),
    alias: z.string().regex(/^[a-z]$/),
    join: z.string().optional(),
  })
  .strict();

const modelSchema = z
  .object({
    version: z.literal(1),
    default_product: z.string(),
    sources: z.object({
      production: sourceSchema,
      assets: sourceSchema,
      forecast: sourceSchema,
      downtime: sourceSchema,
    }),
    metrics: z.record(z.string().regex(IDENTIFIER), metricSchema),
    dimensions: z.record(z.string().regex(IDENTIFIER), dimensionSchema),
    insight_types: z.array(
      z.object({ name: z.string(), path: z.string(), description: z.string() }).strict(),
    ),
  })
  .strict();

/** The semantic model: metrics, dimensions and sources, as declared in `semantic/*.yaml`. */
export type SemanticModel = z.infer<typeof modelSchema>;
/** One metric definition. */
export type MetricDefinition = z.infer<typeof metricSchema>;
/** One dimension definition. */
export type DimensionDefinition = z.infer<typeof dimensionSchema>;

/** Default location of the model shipped with the service. */
export const SEMANTIC_MODEL_PATH = fileURLToPath(
  new URL('../../../semantic/production.yaml', import.meta.url),
);

/** Loads and validates the semantic model; a broken file stops the process at boot with the field named. */
export function loadSemanticModel(path: string = SEMANTIC_MODEL_PATH): SemanticModel {
  const parsed = modelSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid semantic model ${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  for (const [name, metric] of Object.entries(parsed.data.metrics)) {
    if (metric.source === 'production' && !metric.sql && !metric.derived) {
      throw new Error(`invalid semantic model ${path}: metrics.${name} needs sql or derived`);
    }
  }
  return parsed.data;
}
