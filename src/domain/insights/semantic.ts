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

/** Namespace the model's tables are written in (`analytics.production_daily`); DuckDB's layout. */
export const DEFAULT_WAREHOUSE_NAMESPACE = 'analytics';

/**
 * The model with every table moved from `analytics.` to `namespace.` (`DB_PROD.ANALYTICS` on Snowflake,
 * from `SNOWFLAKE_DATABASE` and `SNOWFLAKE_SCHEMA`), so each compiled statement names the configured
 * database and schema instead of relying on the session's defaults.
 */
export function inNamespace(model: SemanticModel, namespace: string): SemanticModel {
  if (namespace === DEFAULT_WAREHOUSE_NAMESPACE) return model;
  const move = (table: string): string => `${namespace}.${table.slice(table.indexOf('.') + 1)}`;
  const sources = Object.fromEntries(
    Object.entries(model.sources).map(([name, source]) => [name, { ...source, table: move(source.table) }]),
  ) as SemanticModel['sources'];
  const dimensions = Object.fromEntries(
    Object.entries(model.dimensions).map(([name, dimension]) => [
      name,
      dimension.members
        ? { ...dimension, members: { ...dimension.members, table: move(dimension.members.table) } }
        : dimension,
    ]),
  );
  return { ...model, sources, dimensions };
}

/** A warehouse table outside the model's sources (e.g. `load_metadata`), in the model's namespace. */
export function warehouseTable(model: SemanticModel, name: string): string {
  const production = model.sources.production.table;
  return `${production.slice(0, production.lastIndexOf('.'))}.${name}`;
}

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
