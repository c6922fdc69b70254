import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { type CellReader, convertScalar, type Scalar } from './cells.js';
import {
  DIMENSION_TABLE_NAMES,
  type DimensionTableName,
  isLoadableTable,
  LOADABLE_TABLE_NAMES,
  LOADABLE_TABLES,
  type LoadableTable,
  type LoadableTableName,
  type TableColumn,
} from './tables.js';
import { conversionFactor, type Phase, type UnitConversion, type VolumeUnit } from './units.js';
import { compileDateFormat, type DecimalMark } from './values.js';

/** Where a target column's value comes from, after validation. */
export type ColumnSource =
  /** A CSV column, converted to the target type. */
  | { from: string; format?: string; map?: Record<string, Scalar>; default?: Scalar; scale?: number }
  /** The same value on every row. */
  | { value: Scalar }
  /** Text built from CSV columns: `{COLUMN}` is replaced by the cell's trimmed text. */
  | { template: string; format?: string; map?: Record<string, Scalar>; default?: Scalar; scale?: number };

/** Row condition: every listed CSV column must equal the value (or one of the values), compared as text. */
export type RowFilter = Record<string, Scalar | Scalar[]>;

/** One unpivot entry: a target row made from each source row that matches `when`. */
export interface UnpivotEntry {
  when?: RowFilter;
  columns: Record<string, ColumnSource>;
}

/** CSV dialect of the source file. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  decimal: DecimalMark;
  /** Cell texts (after trimming) read as NULL; the empty cell always is. */
  nullValues: string[];
}

/** A validated mapping: how to turn one CSV file into warehouse rows. */
export interface Mapping {
  table: LoadableTableName;
  csv: CsvDialect;
  filter?: RowFilter;
  columns: Record<string, ColumnSource>;
  unpivot: UnpivotEntry[];
  dimensions: Partial<Record<DimensionTableName, Array<Record<string, ColumnSource>>>>;
  /** Per product id: the unit the file is in and the unit to store (volumes are multiplied by `factor`). */
  convertUnits: Record<string, UnitConversion>;
}

/** One problem in a mapping, with the dotted path of the field (`columns.date.format`). */
export interface MappingIssue {
  path: string;
  message: string;
}

/** A mapping that cannot be used; `issues` name each faulty field. */
export class MappingError extends Error {
  constructor(
    readonly issues: MappingIssue[],
    origin = 'mapping',
  ) {
    super(
      `invalid ${origin}:\n${issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`).join('\n')}`,
    );
    this.name = 'MappingError';
  }
}

/** Unquoted `NULL` in YAML is a null; in `csv.null_values` it stands for these cell texts. */
const YAML_NULL_SPELLINGS = ['NULL', 'null', 'Null', '~'] as const;

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const columnNameSchema = z.string().trim().min(1, 'must name a CSV column');

const columnObjectSchema = z
  .strictObject({
    from: columnNameSchema.optional(),
    value: scalarSchema.optional(),
    template: z.string().min(1).optional(),
    format: z.string().min(1).optional(),
    map: z.record(z.string(), scalarSchema).optional(),
    default: scalarSchema.optional(),
    scale: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
  })
  .superRefine((spec, context) => {
    const kinds = (['from', 'value', 'template'] as const).filter((kind) => spec[kind] !== undefined);
    if (kinds.length !== 1)
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of from (a CSV column), value (a constant) or template',
      });
    const modifiers =
      spec.format !== undefined || spec.map || spec.default !== undefined || spec.scale !== undefined;
    if (kinds.includes('value') && modifiers)
      context.addIssue({
        code: 'custom',
        message: 'format, map, default and scale apply to from/template, not to value',
      });
  });

const columnSpecSchema = z.preprocess(
  (input) => (input === null || typeof input !== 'object' || Array.isArray(input) ? { value: input } : input),
  columnObjectSchema,
);

const filterSchema = z.record(z.string().min(1), z.union([scalarSchema, z.array(scalarSchema).min(1)]));
const columnsSchema = z.record(z.string(), columnSpecSchema);

const unpivotEntrySchema = z
  .object({ when: filterSchema.optional() })
  .catchall(columnSpecSchema)
  .transform(({ when, ...columns }) => ({
    when,
    columns: columns as Record<string, z.infer<typeof columnSpecSchema>>,
  }));

const dimensionSchema = z.preprocess(
  (input) => (input !== null && typeof input === 'object' && !Array.isArray(input) ? [input] : input),
  z.array(columnsSchema).min(1),
);

const mappingSchema = z.strictObject({
  table: z.string().optional(),
  csv: z
    .strictObject({
      delimiter: z.string().length(1, 'must be one character').default(','),
      quote: z.string().length(1, 'must be one character').default('"'),
      decimal: z.enum(['.', ',']).default('.'),
      null_values: z.array(z.union([z.string(), z.number(), z.null()])).default([]),
    })
    .default({ delimiter: ',', quote: '"', decimal: '.', null_values: [] }),
  filter: filterSchema.optional(),
  columns: columnsSchema.default({}),
  unpivot: z.array(unpivotEntrySchema).default([]),
  dimensions: z
    .strictObject({
      sites: dimensionSchema.optional(),
      assets: dimensionSchema.optional(),
      products: dimensionSchema.optional(),
    })
    .default({}),
  convert_units: z
    .record(
      z.string().trim().min(1, 'must be a product id'),
      z.strictObject({
        from: z.string().min(1),
        to: z.string().min(1),
        phase: z.enum(['liquid', 'gas']).optional(),
      }),
    )
    .default({}),
});

/** Options of {@link parseMapping} and {@link validateMapping}. */
export interface MappingOptions {
  /** Target table given outside the mapping (`--table`); must agree with the mapping's `table` if both exist. */
  table?: string;
  /** Name used in error messages (usually the mapping file's path). */
  origin?: string;
}

/** Parses and validates mapping YAML; throws {@link MappingError} naming every faulty field. */
export function parseMapping(yamlText: string, options: MappingOptions = {}): Mapping {
  const document = parseDocument(yamlText);
  if (document.errors.length > 0)
    throw new MappingError(
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}` : '',
        message: `YAML syntax: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
      })),
      options.origin,
    );
  return validateMapping(document.toJS(), options);
}

/** Reads and validates a mapping file; see {@link parseMapping}. */
export async function readMappingFile(
  filePath: string,
  options: Omit<MappingOptions, 'origin'> = {},
): Promise<Mapping> {
  return parseMapping(await readFile(filePath, 'utf8'), { ...options, origin: filePath });
}

/** Validates a mapping given as a plain object (e.g. parsed YAML or JSON); throws {@link MappingError}. */
export function validateMapping(input: unknown, options: MappingOptions = {}): Mapping {
  const parsed = mappingSchema.safeParse(input ?? {});
  if (!parsed.success)
    throw new MappingError(
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
      options.origin,
    );
  const raw = parsed.data;
  const issues: MappingIssue[] = [];
  const tableName = resolveTable(raw.table, options.table, issues);
  if (!tableName) throw new MappingError(issues, options.origin);
  const table = LOADABLE_TABLES[tableName];

  checkColumns(table, raw.columns, 'columns', issues);
  raw.unpivot.forEach((entry, index) => {
    const path = `unpivot[${index}]`;
    if (Object.keys(entry.columns).length === 0)
      issues.push({ path, message: 'maps no column (give e.g. product_id and actual_volume)' });
    checkColumns(table, entry.columns, path, issues);
    for (const name of Object.keys(entry.columns))
      if (name in raw.columns)
        issues.push({
          path: `${path}.${name}`,
          message: `is also mapped in columns.${name}; map it in one place`,
        });
  });
  checkRequired(table, raw.columns, raw.unpivot, issues);

  for (const dimension of DIMENSION_TABLE_NAMES) {
    const entries = raw.dimensions[dimension];
    if (!entries) continue;
    if (dimension === tableName) {
      issues.push({
        path: `dimensions.${dimension}`,
        message: `the mapping already loads ${dimension} as its table`,
      });
      continue;
    }
    const dimensionTable = LOADABLE_TABLES[dimension];
    entries.forEach((entry, index) => {
      const path = `dimensions.${dimension}[${index}]`;
      checkColumns(dimensionTable, entry, path, issues);
      for (const column of dimensionTable.columns)
        if (column.required && !(column.name in entry))
          issues.push({ path: `${path}.${column.name}`, message: `is required for ${dimension}` });
    });
  }
  const convertUnits = checkConversions(raw.convert_units, tableName, raw.dimensions.products, issues);
  if (issues.length > 0) throw new MappingError(issues, options.origin);

  return {
    table: tableName,
    csv: {
      delimiter: raw.csv.delimiter,
      quote: raw.csv.quote,
      decimal: raw.csv.decimal,
      nullValues: raw.csv.null_values.flatMap((value) =>
        value === null ? [...YAML_NULL_SPELLINGS] : [String(value).trim()],
      ),
    },
    ...(raw.filter ? { filter: raw.filter } : {}),
    columns: toSources(raw.columns),
    unpivot: raw.unpivot.map((entry) => ({
      ...(entry.when ? { when: entry.when } : {}),
      columns: toSources(entry.columns),
    })),
    dimensions: Object.fromEntries(
      DIMENSION_TABLE_NAMES.flatMap((dimension) => {
        const entries = raw.dimensions[dimension];
        return entries ? [[dimension, entries.map(toSources)]] : [];
      }),
    ),
    convertUnits,
  };
}

/** Tables whose rows carry volumes of a product, and those volume columns. */
export const VOLUME_COLUMNS: Partial<Record<LoadableTableName, readonly string[]>> = {
  production_daily: ['actual_volume', 'planned_volume'],
  forecast_daily: ['p10', 'p50', 'p90'],
  downtime_events: ['lost_volume'],
};

function checkConversions(
  declared: Record<string, { from: string; to: string; phase?: Phase | undefined }>,
  table: LoadableTableName,
  products: ReadonlyArray<Record<string, RawColumnSpec>> | undefined,
  issues: MappingIssue[],
): Record<string, UnitConversion> {
  const conversions: Record<string, UnitConversion> = {};
  const entries = Object.entries(declared);
  if (entries.length > 0 && !VOLUME_COLUMNS[table]) {
    issues.push({ path: 'convert_units', message: `${table} has no volumes to convert` });
    return conversions;
  }
  for (const [product, spec] of entries) {
    const path = `convert_units.${product}`;
    const result = conversionFactor(spec.from, spec.to, spec.phase);
    if ('error' in result) {
      issues.push({ path, message: result.error });
      continue;
    }
    for (const entry of products ?? []) {
      const id = entry.product_id;
      const unit = entry.unit;
      if (id?.value !== product || unit?.value === undefined || unit.value === spec.from) continue;
      issues.push({
        path,
        message: `dimensions.products declares ${product} in ${String(unit.value)}, but convert_units converts from ${spec.from}`,
      });
    }
    conversions[product] = {
      from: spec.from as VolumeUnit,
      to: spec.to as VolumeUnit,
      ...(spec.phase ? { phase: spec.phase } : {}),
      factor: result.factor,
    };
  }
  return conversions;
}

type RawColumnSpec = z.infer<typeof columnSpecSchema>;

function resolveTable(
  fromMapping: string | undefined,
  fromOption: string | undefined,
  issues: MappingIssue[],
): LoadableTableName | undefined {
  const expected = `one of ${LOADABLE_TABLE_NAMES.join(', ')}`;
  for (const [name, origin] of [
    [fromMapping, 'table'],
    [fromOption, '--table'],
  ] as const) {
    if (name !== undefined && !isLoadableTable(name))
      issues.push({ path: 'table', message: `${origin} "${name}" is not ${expected}` });
  }
  if (issues.length > 0) return undefined;
  if (fromMapping && fromOption && fromMapping !== fromOption) {
    issues.push({
      path: 'table',
      message: `the mapping loads "${fromMapping}" but --table says "${fromOption}"`,
    });
    return undefined;
  }
  const table = fromMapping ?? fromOption;
  if (table === undefined || !isLoadableTable(table)) {
    issues.push({ path: 'table', message: `required (in the mapping or with --table): ${expected}` });
    return undefined;
  }
  return table;
}

function checkColumns(
  table: LoadableTable,
  columns: Record<string, RawColumnSpec>,
  path: string,
  issues: MappingIssue[],
): void {
  for (const [name, spec] of Object.entries(columns)) {
    const columnPath = `${path}.${name}`;
    const column = table.columns.find((candidate) => candidate.name === name);
    if (!column) {
      const known = table.columns
        .filter((candidate) => candidate.computed !== 'quality_flags')
        .map((candidate) => candidate.name);
      issues.push({
        path: columnPath,
        message: `${table.name} has no column "${name}" (columns: ${known.join(', ')})`,
      });
      continue;
    }
    if (column.computed === 'quality_flags') {
      issues.push({
        path: columnPath,
        message: 'is computed by the loader from the data-quality rules; do not map it',
      });
      continue;
    }
    checkSpec(column, spec, columnPath, issues);
  }
}

function checkSpec(column: TableColumn, spec: RawColumnSpec, path: string, issues: MappingIssue[]): void {
  const temporal = column.type === 'date' || column.type === 'timestamp';
  if (spec.format !== undefined && !temporal)
    issues.push({
      path: `${path}.format`,
      message: `applies to date and timestamp columns; ${column.name} is ${column.type}`,
    });
  if (spec.scale !== undefined && column.type !== 'double')
    issues.push({
      path: `${path}.scale`,
      message: `applies to numeric columns; ${column.name} is ${column.type}`,
    });
  let dateFormat = compileDateFormat('iso');
  if (spec.format !== undefined && temporal) {
    try {
      dateFormat = compileDateFormat(spec.format);
    } catch (error) {
      issues.push({ path: `${path}.format`, message: (error as Error).message });
    }
  }
  const isoReader: CellReader = { decimal: '.', dateFormat: compileDateFormat('iso') };
  if (spec.from === undefined && spec.template === undefined) {
    const constant = convertScalar(spec.value ?? null, column, isoReader);
    if (!constant.ok) issues.push({ path: `${path}.value`, message: constant.message });
    if (column.required && constant.ok && constant.value === null)
      issues.push({ path: `${path}.value`, message: `${column.name} is required and cannot be null` });
  }
  if (spec.template !== undefined) {
    const problem = templateProblem(spec.template);
    if (problem) issues.push({ path: `${path}.template`, message: problem });
  }
  const reader: CellReader = { decimal: '.', dateFormat };
  for (const [key, value] of Object.entries(spec.map ?? {})) {
    const converted =
      typeof value === 'string' ? { ok: true as const } : convertScalar(value, column, reader);
    if (!converted.ok) issues.push({ path: `${path}.map.${key}`, message: converted.message });
  }
  if (spec.default !== undefined && typeof spec.default !== 'string') {
    const converted = convertScalar(spec.default, column, reader);
    if (!converted.ok) issues.push({ path: `${path}.default`, message: converted.message });
  }
}

function checkRequired(
  table: LoadableTable,
  columns: Record<string, RawColumnSpec>,
  unpivot: ReadonlyArray<{ columns: Record<string, RawColumnSpec> }>,
  issues: MappingIssue[],
): void {
  for (const column of table.columns) {
    if (!column.required || column.computed || column.name in columns) continue;
    const missingIn = unpivot.flatMap((entry, index) => (column.name in entry.columns ? [] : [index]));
    if (unpivot.length === 0)
      issues.push({
        path: `columns.${column.name}`,
        message: `is required for ${table.name} (key or NOT NULL column)`,
      });
    else if (missingIn.length > 0)
      issues.push({
        path: `columns.${column.name}`,
        message: `is required for ${table.name}: map it in columns or in every unpivot entry (missing in unpivot[${missingIn.join('], unpivot[')}])`,
      });
  }
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** CSV columns a template refers to (`{COLUMN}` placeholders). */
export function templateColumns(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => (match[1] as string).trim());
}

function templateProblem(template: string): string | null {
  const names = templateColumns(template);
  if (names.length === 0) return 'has no {COLUMN} placeholder; use value for a constant';
  if (names.some((name) => name === '')) return 'has an empty {} placeholder';
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) return 'has an unbalanced { or }';
  return null;
}

function toSources(columns: Record<string, RawColumnSpec>): Record<string, ColumnSource> {
  return Object.fromEntries(Object.entries(columns).map(([name, spec]) => [name, toSource(spec)]));
}

function toSource(spec: RawColumnSpec): ColumnSource {
  const options = {
    ...(spec.format !== undefined ? { format: spec.format } : {}),
    ...(spec.map !== undefined ? { map: spec.map } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.scale !== undefined ? { scale: spec.scale } : {}),
  };
  if (spec.from !== undefined) return { from: spec.from, ...options };
  if (spec.template !== undefined) return { template: spec.template, ...options };
  return { value: spec.value ?? null };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}
