import { type CellReader, type CellValue, convertScalar, convertText } from './cells.js';
import { parseCsv } from './csv.js';
import { CsvFileError, LoadValidationError, type RowError } from './errors.js';
import {
  type ColumnSource,
  type Mapping,
  MappingError,
  type MappingIssue,
  type RowFilter,
  VOLUME_COLUMNS,
} from './mapping.js';
import {
  emptyFlagCounts,
  FLAG_BIT,
  formatFlags,
  type ProductionMeasures,
  productionFlags,
  QUALITY_FLAGS,
  type QualityFlag,
} from './quality.js';
import { DIMENSION_TABLE_NAMES, LOADABLE_TABLES, type LoadableTable, type TableColumn } from './tables.js';
import type { UnitConversion } from './units.js';
import { compileDateFormat, isoDateOf, type Parsed } from './values.js';

/** Progress of a load: `validate` counts lines of the file, `load` counts rows written. */
export interface LoadProgress {
  phase: 'validate' | 'load';
  done: number;
  total: number;
}

/** Rows ready for one warehouse table, in DDL column order. */
export interface PreparedTable {
  table: LoadableTable;
  rows: CellValue[][];
  /** Columns the mapping fills (an upsert updates only these on existing rows). */
  mappedColumns: string[];
}

/** A validated file: every row converted and flagged, nothing written yet. */
export interface PreparedLoad {
  source: string;
  loadedAt: Date;
  main: PreparedTable;
  /** Dimension rows derived from the file or the mapping's constants, one entry per table. */
  dimensions: PreparedTable[];
  /** Data records in the file (the header excluded). */
  rowsRead: number;
  /** Records dropped by `filter`, or matched by no `unpivot` entry. */
  rowsFiltered: number;
  /** Unit conversions the mapping declared, already applied to the rows (see `convert_units`). */
  unitConversions: Record<string, UnitConversion>;
  /** Target rows carrying each flag. */
  flags: Record<QualityFlag, number>;
  /** Target rows carrying at least one flag. */
  flaggedRows: number;
  warnings: string[];
}

/** Options of {@link prepareLoad}. */
export interface PrepareOptions {
  mapping: Mapping;
  csvText: string;
  /** Name recorded in `load_metadata.source` (usually the file name). */
  source: string;
  loadedAt: Date;
  /** Row errors kept in the rejection (all are counted); default 1000. */
  maxErrors?: number;
  onProgress?: (progress: LoadProgress) => void;
}

type Getter = (fields: readonly string[]) => Parsed<CellValue>;

interface CompiledColumn {
  position: number;
  column: TableColumn;
  /** What to name in an error: the CSV column, the template or the target column. */
  label: string;
  constant: boolean;
  get: Getter;
}

interface CompiledRowFilter {
  matches(fields: readonly string[]): boolean;
}

interface CompiledDimension {
  table: LoadableTable;
  path: string;
  columns: CompiledColumn[];
  constant: boolean;
}

const PROGRESS_EVERY = 2_000;
const KEY_SEPARATOR = '\u0001';

/**
 * Phase one of a load: parses the CSV, applies the mapping and the data-quality rules, and collects every
 * row error. Throws {@link LoadValidationError} (row errors with line numbers), {@link MappingError} (the
 * mapping names a column the file lacks) or {@link CsvFileError}; writes nothing.
 */
export function prepareLoad(options: PrepareOptions): PreparedLoad {
  const { mapping, csvText, loadedAt } = options;
  const maxErrors = options.maxErrors ?? 1_000;
  const table = LOADABLE_TABLES[mapping.table];
  const records = parseCsv(csvText, { delimiter: mapping.csv.delimiter, quote: mapping.csv.quote });
  const headerRecord = records.next();
  if (headerRecord.done) throw new CsvFileError('the file is empty (no header row)');
  if (headerRecord.value.error)
    throw new CsvFileError(`line ${headerRecord.value.line} (header): ${headerRecord.value.error}`);
  const header = headerRecord.value.fields.map((name) => name.trim());
  const compiler = new MappingCompiler(header, mapping);
  const baseColumns = compiler.columns(table, mapping.columns, 'columns');
  const entries = (mapping.unpivot.length > 0 ? mapping.unpivot : [{ columns: {} }]).map((entry, index) => ({
    when: entry.when ? compiler.filter(entry.when, `unpivot[${index}].when`) : null,
    columns: compiler.columns(table, entry.columns, `unpivot[${index}]`),
  }));
  const rowFilter = mapping.filter ? compiler.filter(mapping.filter, 'filter') : null;
  const dimensions = DIMENSION_TABLE_NAMES.flatMap((name) =>
    (mapping.dimensions[name] ?? []).map((entry, index): CompiledDimension => {
      const columns = compiler.columns(LOADABLE_TABLES[name], entry, `dimensions.${name}[${index}]`);
      return {
        table: LOADABLE_TABLES[name],
        path: `dimensions.${name}[${index}]`,
        columns,
        constant: columns.every((c) => c.constant),
      };
    }),
  );
  compiler.throwIfInvalid();

  const errors: RowError[] = [];
  let errorCount = 0;
  let rejectedRows = 0;
  const report = (error: RowError): void => {
    errorCount += 1;
    if (errors.length < maxErrors) errors.push(error);
  };
  const dimensionRows = new DimensionCollector();
  for (const dimension of dimensions.filter((candidate) => candidate.constant)) {
    const row = buildRow(dimension.table, dimension.columns, [], 0, loadedAt, `${dimension.path}.`);
    dimensionRows.add(dimension.table, row.values, 0);
  }

  const rows: CellValue[][] = [];
  const lines: number[] = [];
  const masks: number[] = [];
  let rowsRead = 0;
  let rowsFiltered = 0;
  const totalLines = countLines(csvText);
  const measuresOf = measuresReader(table);
  for (const record of records) {
    rowsRead += 1;
    if (rowsRead % PROGRESS_EVERY === 0)
      options.onProgress?.({ phase: 'validate', done: record.line, total: totalLines });
    if (record.error) {
      rejectedRows += 1;
      report({ line: record.line, column: null, message: record.error });
      continue;
    }
    if (record.fields.length !== header.length) {
      rejectedRows += 1;
      report({
        line: record.line,
        column: null,
        message: `has ${record.fields.length} fields but the header has ${header.length}`,
      });
      continue;
    }
    if (rowFilter && !rowFilter.matches(record.fields)) {
      rowsFiltered += 1;
      continue;
    }
    const matching = entries.filter((entry) => entry.when === null || entry.when.matches(record.fields));
    if (matching.length === 0) {
      rowsFiltered += 1;
      continue;
    }
    const recordErrors: RowError[] = [];
    const built = matching.map((entry) =>
      buildRow(table, [...baseColumns, ...entry.columns], record.fields, record.line, loadedAt, ''),
    );
    const derived = dimensions
      .filter((dimension) => !dimension.constant)
      .map((dimension) => ({
        dimension,
        row: buildRow(
          dimension.table,
          dimension.columns,
          record.fields,
          record.line,
          loadedAt,
          `${dimension.path}.`,
        ),
      }));
    for (const row of [...built, ...derived.map((entry) => entry.row)]) recordErrors.push(...row.errors);
    const uniqueErrors = dedupeErrors(recordErrors);
    if (uniqueErrors.length > 0) {
      rejectedRows += 1;
      for (const error of uniqueErrors) report(error);
      continue;
    }
    for (const row of built) {
      rows.push(row.values);
      lines.push(record.line);
      masks.push(table.qualityFlags ? productionFlags(measuresOf(row.values)) : 0);
    }
    for (const { dimension, row } of derived) dimensionRows.add(dimension.table, row.values, record.line);
  }
  options.onProgress?.({ phase: 'validate', done: totalLines, total: totalLines });

  for (const duplicate of findDuplicates(table, rows, lines)) {
    if (table.qualityFlags) {
      masks[duplicate.index] = (masks[duplicate.index] as number) | FLAG_BIT.duplicate_key;
      masks[duplicate.firstIndex] = (masks[duplicate.firstIndex] as number) | FLAG_BIT.duplicate_key;
    } else {
      report({
        line: lines[duplicate.index] as number,
        column: table.key.join(', '),
        message: `duplicate key ${describeKey(table, rows[duplicate.index] as CellValue[])} (first on line ${lines[duplicate.firstIndex]})`,
      });
      rejectedRows += 1;
    }
  }
  if (errorCount > 0) throw new LoadValidationError(errors, errorCount, rejectedRows, rowsRead);
  if (rowsRead === 0) throw new CsvFileError('the file has a header but no data rows');

  const { flags, flaggedRows } = storeFlags(table, rows, masks);
  convertVolumes(table, rows, mapping.convertUnits);
  const dimensionTables = dimensionRows.tables(mapping);
  for (const prepared of dimensionTables)
    if (prepared.table.name === 'products') relabelConvertedProducts(prepared, mapping.convertUnits);

  return {
    source: options.source,
    loadedAt,
    main: {
      table,
      rows,
      mappedColumns: mappedColumnsOf(table, [
        mapping.columns,
        ...mapping.unpivot.map((entry) => entry.columns),
      ]),
    },
    dimensions: dimensionTables,
    unitConversions: mapping.convertUnits,
    rowsRead,
    rowsFiltered,
    flags,
    flaggedRows,
    warnings: dimensionRows.warnings(),
  };
}

/** Multiplies the volume columns of rows whose product has a declared conversion by its factor. */
function convertVolumes(
  table: LoadableTable,
  rows: CellValue[][],
  conversions: Readonly<Record<string, UnitConversion>>,
): void {
  const volumeColumns = VOLUME_COLUMNS[table.name];
  if (!volumeColumns || Object.keys(conversions).length === 0) return;
  const productAt = positionOf(table, 'product_id');
  const positions = volumeColumns.map((name) => positionOf(table, name));
  for (const row of rows) {
    const conversion = conversions[String(row[productAt])];
    if (!conversion) continue;
    for (const position of positions) {
      const value = row[position];
      if (typeof value === 'number') row[position] = value * conversion.factor;
    }
  }
}

/** Products converted by the mapping are stored in the target unit. */
function relabelConvertedProducts(
  prepared: PreparedTable,
  conversions: Readonly<Record<string, UnitConversion>>,
): void {
  const idAt = positionOf(prepared.table, 'product_id');
  const unitAt = positionOf(prepared.table, 'unit');
  for (const row of prepared.rows) {
    const conversion = conversions[String(row[idAt])];
    if (conversion && (row[unitAt] === conversion.from || row[unitAt] === null)) row[unitAt] = conversion.to;
  }
}

/** Writes each row's `quality_flags` text and counts the rows per flag. */
function storeFlags(
  table: LoadableTable,
  rows: CellValue[][],
  masks: readonly number[],
): { flags: Record<QualityFlag, number>; flaggedRows: number } {
  const flags = emptyFlagCounts();
  let flaggedRows = 0;
  const flagsPosition = table.columns.findIndex((column) => column.computed === 'quality_flags');
  rows.forEach((row, index) => {
    const mask = masks[index] as number;
    if (flagsPosition >= 0) row[flagsPosition] = formatFlags(mask);
    if (mask === 0) return;
    flaggedRows += 1;
    for (const flag of QUALITY_FLAGS) if ((mask & FLAG_BIT[flag]) !== 0) flags[flag] += 1;
  });
  return { flags, flaggedRows };
}

class MappingCompiler {
  private readonly issues: MappingIssue[] = [];
  private readonly positions = new Map<string, number>();
  private readonly duplicated = new Set<string>();

  constructor(
    private readonly header: readonly string[],
    private readonly mapping: Mapping,
  ) {
    header.forEach((name, index) => {
      if (this.positions.has(name)) this.duplicated.add(name);
      else this.positions.set(name, index);
    });
  }

  columns(table: LoadableTable, sources: Record<string, ColumnSource>, path: string): CompiledColumn[] {
    return Object.entries(sources).map(([name, source]) => {
      const position = table.columns.findIndex((column) => column.name === name);
      const column = table.columns[position] as TableColumn;
      return { position, column, ...this.getter(column, source, `${path}.${name}`) };
    });
  }

  filter(filter: RowFilter, path: string): CompiledRowFilter {
    const tests = Object.entries(filter).map(([name, accepted]) => {
      const index = this.resolve(name, `${path}.${name}`);
      const values = new Set(
        (Array.isArray(accepted) ? accepted : [accepted]).map((value) =>
          value === null ? '' : String(value).trim(),
        ),
      );
      return { index, values };
    });
    return {
      matches: (fields) => tests.every(({ index, values }) => values.has((fields[index] ?? '').trim())),
    };
  }

  throwIfInvalid(): void {
    if (this.issues.length > 0) throw new MappingError(this.issues, 'mapping for this file');
  }

  private getter(
    column: TableColumn,
    source: ColumnSource,
    path: string,
  ): Omit<CompiledColumn, 'position' | 'column'> {
    const reader: CellReader = {
      decimal: this.mapping.csv.decimal,
      dateFormat: compileDateFormat(
        'format' in source && source.format !== undefined ? source.format : 'iso',
      ),
    };
    if ('value' in source) {
      const constant = convertScalar(source.value, column, {
        ...reader,
        dateFormat: compileDateFormat('iso'),
      });
      return { label: column.name, constant: true, get: () => constant };
    }
    const nullValues = new Set(['', ...this.mapping.csv.nullValues]);
    const read = (text: string): Parsed<CellValue> => {
      const converted = readCell(text, source, column, reader, nullValues);
      if (
        !converted.ok ||
        typeof converted.value !== 'number' ||
        source.scale === undefined ||
        column.type !== 'double'
      )
        return converted;
      return { ok: true, value: converted.value * source.scale };
    };
    if ('from' in source) {
      const index = this.resolve(source.from, `${path}.from`);
      return { label: source.from, constant: false, get: (fields) => read((fields[index] ?? '').trim()) };
    }
    const parts = source.template.split(/(\{[^{}]*\})/).map((part) => {
      const name = /^\{([^{}]*)\}$/.exec(part)?.[1]?.trim();
      return name === undefined ? { literal: part } : { index: this.resolve(name, `${path}.template`) };
    });
    return {
      label: `template ${source.template}`,
      constant: false,
      get: (fields) => {
        let text = '';
        for (const part of parts) {
          if ('literal' in part) {
            text += part.literal;
            continue;
          }
          const cell = (fields[part.index] ?? '').trim();
          if (nullValues.has(cell)) return read('');
          text += cell;
        }
        return read(text);
      },
    };
  }

  private resolve(name: string, path: string): number {
    const index = this.positions.get(name);
    if (this.duplicated.has(name))
      this.issues.push({ path, message: `the CSV header has more than one column "${name}"` });
    if (index !== undefined) return index;
    const lower = name.toLowerCase();
    const similar = this.header.find((candidate) => candidate.toLowerCase() === lower);
    this.issues.push({
      path,
      message: `the CSV has no column "${name}"${similar ? ` (did you mean "${similar}"?)` : ''}; header: ${this.header.join(', ')}`,
    });
    return -1;
  }
}

function readCell(
  text: string,
  source: Extract<ColumnSource, { from: string } | { template: string }>,
  column: TableColumn,
  reader: CellReader,
  nullValues: ReadonlySet<string>,
): Parsed<CellValue> {
  if (source.map && Object.hasOwn(source.map, text))
    return convertScalar(source.map[text] ?? null, column, reader);
  if (nullValues.has(text))
    return source.default === undefined
      ? { ok: true, value: null }
      : convertScalar(source.default, column, reader);
  return convertText(text, column, reader);
}

interface BuiltRow {
  values: CellValue[];
  errors: RowError[];
}

function buildRow(
  table: LoadableTable,
  columns: readonly CompiledColumn[],
  fields: readonly string[],
  line: number,
  loadedAt: Date,
  errorPrefix: string,
): BuiltRow {
  const values: CellValue[] = new Array(table.columns.length).fill(null);
  const labels: Array<string | undefined> = new Array(table.columns.length);
  const errors: RowError[] = [];
  for (const compiled of columns) {
    labels[compiled.position] = compiled.label;
    const result = compiled.get(fields);
    if (result.ok) values[compiled.position] = result.value;
    else
      errors.push({
        line,
        column: compiled.label,
        message: `${errorPrefix}${compiled.column.name}: ${result.message}`,
      });
  }
  table.columns.forEach((column, position) => {
    if (column.computed === 'load_time' && labels[position] === undefined)
      values[position] = loadedAt.getTime();
    else if (
      column.required &&
      values[position] === null &&
      !errors.some((error) => error.column === labels[position])
    )
      errors.push({
        line,
        column: labels[position] ?? column.name,
        message: `${errorPrefix}${column.name} is missing (${table.key.includes(column.name) ? 'a key' : 'required'})`,
      });
  });
  if (table.name === 'downtime_events') {
    const startPosition = positionOf(table, 'start_ts');
    const endPosition = positionOf(table, 'end_ts');
    const start = values[startPosition];
    const end = values[endPosition];
    if (typeof start === 'number' && typeof end === 'number' && end < start)
      errors.push({ line, column: labels[endPosition] ?? 'end_ts', message: 'end_ts is before start_ts' });
  }
  return { values, errors };
}

/** One error per CSV cell: a cell read by the row and by a dimension is reported once. */
function dedupeErrors(errors: readonly RowError[]): RowError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = error.column ?? `${KEY_SEPARATOR}${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function positionOf(table: LoadableTable, name: string): number {
  return table.columns.findIndex((column) => column.name === name);
}

function measuresReader(table: LoadableTable): (values: readonly CellValue[]) => ProductionMeasures {
  const actual = positionOf(table, 'actual_volume');
  const planned = positionOf(table, 'planned_volume');
  const uptime = positionOf(table, 'uptime_hours');
  return (values) => ({
    actualVolume: values[actual] ?? null,
    plannedVolume: values[planned] ?? null,
    uptimeHours: values[uptime] ?? null,
  });
}

function keyPositions(table: LoadableTable): number[] {
  return table.key.map((name) => table.columns.findIndex((column) => column.name === name));
}

function keyOf(positions: readonly number[], values: readonly CellValue[]): string {
  return positions.map((position) => String(values[position])).join(KEY_SEPARATOR);
}

function findDuplicates(
  table: LoadableTable,
  rows: readonly CellValue[][],
  lines: readonly number[],
): Array<{ index: number; firstIndex: number }> {
  const positions = keyPositions(table);
  const firstByKey = new Map<string, number>();
  const duplicates: Array<{ index: number; firstIndex: number }> = [];
  rows.forEach((row, index) => {
    const key = keyOf(positions, row);
    const firstIndex = firstByKey.get(key);
    if (firstIndex === undefined) firstByKey.set(key, index);
    else duplicates.push({ index, firstIndex });
  });
  return duplicates.sort((left, right) => (lines[left.index] as number) - (lines[right.index] as number));
}

function describeKey(table: LoadableTable, values: readonly CellValue[]): string {
  return table.key
    .map((name) => {
      const position = table.columns.findIndex((column) => column.name === name);
      const column = table.columns[position] as TableColumn;
      const value = values[position] ?? null;
      const shown = column.type === 'date' && typeof value === 'number' ? isoDateOf(value) : value;
      return `${name}=${JSON.stringify(shown)}`;
    })
    .join(' ');
}

function mappedColumnsOf(
  table: LoadableTable,
  sources: ReadonlyArray<Record<string, ColumnSource>>,
): string[] {
  const mapped = new Set(sources.flatMap((entry) => Object.keys(entry)));
  return table.columns
    .filter((column) => mapped.has(column.name) || column.computed !== undefined)
    .map((column) => column.name);
}

class DimensionCollector {
  private readonly byTable = new Map<
    string,
    { table: LoadableTable; rows: Map<string, CellValue[]>; conflicts: number; example: string | null }
  >();

  add(table: LoadableTable, values: CellValue[], line: number): void {
    let entry = this.byTable.get(table.name);
    if (!entry) {
      entry = { table, rows: new Map(), conflicts: 0, example: null };
      this.byTable.set(table.name, entry);
    }
    const key = keyOf(keyPositions(table), values);
    const existing = entry.rows.get(key);
    if (!existing) {
      entry.rows.set(key, values);
      return;
    }
    const differing = table.columns.findIndex((_, position) => existing[position] !== values[position]);
    if (differing < 0) return;
    entry.conflicts += 1;
    entry.example ??=
      `${describeKey(table, values)}: ${table.columns[differing]?.name} ${JSON.stringify(values[differing])} on line ${line} ` +
      `differs from the first value ${JSON.stringify(existing[differing])}`;
  }

  tables(mapping: Mapping): PreparedTable[] {
    return [...this.byTable.values()].map(({ table, rows }) => ({
      table,
      rows: [...rows.values()],
      mappedColumns: mappedColumnsOf(
        table,
        mapping.dimensions[table.name as keyof Mapping['dimensions']] ?? [],
      ),
    }));
  }

  warnings(): string[] {
    return [...this.byTable.values()]
      .filter((entry) => entry.conflicts > 0)
      .map(
        (entry) =>
          `${entry.conflicts} ${entry.table.name} row(s) disagree with an earlier row of the same key; the first one is kept (e.g. ${entry.example})`,
      );
  }
}

function countLines(text: string): number {
  let count = 0;
  let position = text.indexOf('\n');
  while (position !== -1) {
    count += 1;
    position = text.indexOf('\n', position + 1);
  }
  return text.endsWith('\n') ? count : count + 1;
}
