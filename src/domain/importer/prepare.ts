import { type CellReader, type CellValue, convertScalar, convertText } from './cells.js';
import { type CsvRecord, parseCsv, parseCsvStream } from './csv.js';
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
  /** The rows (empty for the fact rows of a streamed load: see {@link PreparedLoad.streamRows}). */
  rows: CellValue[][];
  /** Rows for the table. */
  rowCount: number;
  /** Columns the mapping fills (an upsert updates only these on existing rows). */
  mappedColumns: string[];
}

/** A validated file: every row converted and flagged, nothing written yet. */
export interface PreparedLoad {
  source: string;
  loadedAt: Date;
  main: PreparedTable;
  /** Set when `main.rows` is empty: reads the file again and yields the fact rows in batches, in file order. */
  streamRows?: () => AsyncIterable<CellValue[][]>;
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
const STREAM_BATCH = 2_000;

/**
 * Phase one of a load on text in memory: parses the CSV, applies the mapping and the data-quality rules, and
 * collects every row error. Throws {@link LoadValidationError} (row errors with line numbers),
 * {@link MappingError} (the mapping names a column the file lacks) or {@link CsvFileError}; writes nothing.
 * The returned load holds every row (see {@link prepareLoadStream} for files of any size).
 */
export function prepareLoad(options: PrepareOptions): PreparedLoad {
  const { csvText } = options;
  const records = parseCsv(csvText, {
    delimiter: options.mapping.csv.delimiter,
    quote: options.mapping.csv.quote,
  });
  const validation = new Validation(options, headerOf(records.next()), true);
  const totalLines = countLines(csvText);
  for (const record of records) {
    validation.accept(record);
    if (validation.rowsRead % PROGRESS_EVERY === 0)
      options.onProgress?.({ phase: 'validate', done: record.line, total: totalLines });
  }
  options.onProgress?.({ phase: 'validate', done: totalLines, total: totalLines });
  return validation.finish(null);
}

/** A CSV file read as text chunks, as often as needed (a streamed load reads it twice). */
export interface CsvSource {
  /** Opens the file again from its start. */
  open(): AsyncIterable<string>;
  /** Lines of the file, counted as `prepareLoad` counts lines of text (the validation progress total). */
  lines: number;
}

/** Options of {@link prepareLoadStream}. */
export interface PrepareStreamOptions extends Omit<PrepareOptions, 'csvText'> {
  csv: CsvSource;
}

/**
 * Phase one of a load read incrementally: validates exactly as {@link prepareLoad} (same errors, line numbers
 * and flags) while holding one record at a time, plus a few numbers per row (flags, key). The fact rows are
 * not kept: {@link PreparedLoad.streamRows} reads the file a second time to produce them for the write
 * Dimension rows (distinct, few) are kept; so are the rows of a
 * `products` file, whose units are checked before the write.
 */
export async function prepareLoadStream(options: PrepareStreamOptions): Promise<PreparedLoad> {
  const { csv, mapping } = options;
  const dialect = { delimiter: mapping.csv.delimiter, quote: mapping.csv.quote };
  const records = parseCsvStream(csv.open(), dialect)[Symbol.asyncIterator]();
  const validation = new Validation(options, headerOf(await records.next()), mapping.table === 'products');
  for (let next = await records.next(); !next.done; next = await records.next()) {
    validation.accept(next.value);
    if (validation.rowsRead % PROGRESS_EVERY === 0)
      options.onProgress?.({ phase: 'validate', done: next.value.line, total: csv.lines });
  }
  options.onProgress?.({ phase: 'validate', done: csv.lines, total: csv.lines });
  return validation.finish(async function* replay() {
    const again = parseCsvStream(csv.open(), dialect)[Symbol.asyncIterator]();
    await again.next();
    let index = 0;
    let batch: CellValue[][] = [];
    for (let next = await again.next(); !next.done; next = await again.next()) {
      const rows = validation.rowsOf(next.value, index);
      index += rows.length;
      for (const row of rows) batch.push(row);
      if (batch.length >= STREAM_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (index !== validation.rowCount) throw fileChanged();
    if (batch.length > 0) yield batch;
  });
}

function fileChanged(): CsvFileError {
  return new CsvFileError('the file changed while it was being loaded; nothing was loaded');
}

function headerOf(first: IteratorResult<CsvRecord>): string[] {
  if (first.done) throw new CsvFileError('the file is empty (no header row)');
  if (first.value.error) throw new CsvFileError(`line ${first.value.line} (header): ${first.value.error}`);
  return first.value.fields.map((name) => name.trim());
}

/** The mapping compiled against a header, fed one record at a time. */
class Validation {
  readonly table: LoadableTable;
  rowsRead = 0;
  rowsFiltered = 0;
  rowCount = 0;
  private readonly mapping: Mapping;
  private readonly source: string;
  private readonly loadedAt: Date;
  private readonly maxErrors: number;
  private readonly header: string[];
  private readonly baseColumns: CompiledColumn[];
  private readonly entries: Array<{ when: CompiledRowFilter | null; columns: CompiledColumn[] }>;
  private readonly rowFilter: CompiledRowFilter | null;
  private readonly dimensions: CompiledDimension[];
  private readonly dimensionRows = new DimensionCollector();
  private readonly errors: RowError[] = [];
  private readonly duplicateErrors: RowError[] = [];
  private errorCount = 0;
  private rejectedRows = 0;
  private duplicateCount = 0;
  private readonly masks: number[] = [];
  private readonly lines: number[] = [];
  private readonly firstByKey = new Map<string, number>();
  private readonly keyAt: number[];
  private readonly measuresOf: (values: readonly CellValue[]) => ProductionMeasures;
  private readonly flagsPosition: number;
  private readonly kept: CellValue[][] | null;

  constructor(options: Omit<PrepareOptions, 'csvText'>, header: string[], keepRows: boolean) {
    const { mapping } = options;
    this.mapping = mapping;
    this.source = options.source;
    this.loadedAt = options.loadedAt;
    this.maxErrors = options.maxErrors ?? 1_000;
    this.header = header;
    const table = LOADABLE_TABLES[mapping.table];
    this.table = table;
    const compiler = new MappingCompiler(header, mapping);
    this.baseColumns = compiler.columns(table, mapping.columns, 'columns');
    this.entries = (mapping.unpivot.length > 0 ? mapping.unpivot : [{ columns: {} }]).map((entry, index) => ({
      when: entry.when ? compiler.filter(entry.when, `unpivot[${index}].when`) : null,
      columns: compiler.columns(table, entry.columns, `unpivot[${index}]`),
    }));
    this.rowFilter = mapping.filter ? compiler.filter(mapping.filter, 'filter') : null;
    this.dimensions = DIMENSION_TABLE_NAMES.flatMap((name) =>
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
    for (const dimension of this.dimensions.filter((candidate) => candidate.constant)) {
      const row = buildRow(dimension.table, dimension.columns, [], 0, this.loadedAt, `${dimension.path}.`);
      this.dimensionRows.add(dimension.table, row.values, 0);
    }
    this.keyAt = keyPositions(table);
    this.measuresOf = measuresReader(table);
    this.flagsPosition = table.columns.findIndex((column) => column.computed === 'quality_flags');
    this.kept = keepRows ? [] : null;
  }

  /** Pass one: validates a data record, counting and keeping what the summary and the write need. */
  accept(record: CsvRecord): void {
    this.rowsRead += 1;
    const evaluated = this.evaluate(record, true);
    if (evaluated === null) return;
    const { table } = this;
    for (const row of evaluated.built) {
      const index = this.rowCount;
      this.rowCount += 1;
      this.lines.push(record.line);
      this.masks.push(table.qualityFlags ? productionFlags(this.measuresOf(row.values)) : 0);
      if (this.kept) this.kept.push(row.values);
      const key = keyOf(this.keyAt, row.values);
      const firstIndex = this.firstByKey.get(key);
      if (firstIndex === undefined) {
        this.firstByKey.set(key, index);
        continue;
      }
      if (table.qualityFlags) {
        this.masks[index] = (this.masks[index] as number) | FLAG_BIT.duplicate_key;
        this.masks[firstIndex] = (this.masks[firstIndex] as number) | FLAG_BIT.duplicate_key;
      } else {
        this.duplicateCount += 1;
        if (this.duplicateErrors.length < this.maxErrors)
          this.duplicateErrors.push({
            line: record.line,
            column: table.key.join(', '),
            message: `duplicate key ${describeKey(table, row.values)} (first on line ${this.lines[firstIndex]})`,
          });
      }
    }
    for (const { dimension, row } of evaluated.derived)
      this.dimensionRows.add(dimension.table, row.values, record.line);
  }

  /** Pass two: the finished rows of a record validated in pass one, the first of them row `index`. */
  rowsOf(record: CsvRecord, index: number): CellValue[][] {
    const evaluated = this.evaluate(record, false);
    if (evaluated === null) return [];
    if (index + evaluated.built.length > this.rowCount) throw fileChanged();
    return evaluated.built.map((row, offset) => this.finishRow(row.values, index + offset));
  }

  /** Throws the rejection when any row failed; otherwise the load, its fact rows kept or replayed. */
  finish(streamRows: (() => AsyncIterable<CellValue[][]>) | null): PreparedLoad {
    for (const error of this.duplicateErrors) this.report(error);
    const unlisted = this.duplicateCount - this.duplicateErrors.length;
    this.errorCount += unlisted;
    this.rejectedRows += this.duplicateCount;
    if (this.errorCount > 0)
      throw new LoadValidationError(this.errors, this.errorCount, this.rejectedRows, this.rowsRead);
    if (this.rowsRead === 0) throw new CsvFileError('the file has a header but no data rows');
    const { flags, flaggedRows } = countFlags(this.masks);
    const rows = this.kept ? this.kept.map((values, index) => this.finishRow(values, index)) : [];
    const { mapping, table } = this;
    const dimensionTables = this.dimensionRows.tables(mapping);
    for (const prepared of dimensionTables)
      if (prepared.table.name === 'products') relabelConvertedProducts(prepared, mapping.convertUnits);
    return {
      source: this.source,
      loadedAt: this.loadedAt,
      main: {
        table,
        rows,
        rowCount: this.rowCount,
        mappedColumns: mappedColumnsOf(table, [
          mapping.columns,
          ...mapping.unpivot.map((entry) => entry.columns),
        ]),
      },
      ...(this.kept === null && streamRows ? { streamRows } : {}),
      dimensions: dimensionTables,
      unitConversions: mapping.convertUnits,
      rowsRead: this.rowsRead,
      rowsFiltered: this.rowsFiltered,
      flags,
      flaggedRows,
      warnings: this.dimensionRows.warnings(),
    };
  }

  private report(error: RowError): void {
    this.errorCount += 1;
    if (this.errors.length < this.maxErrors) this.errors.push(error);
  }

  private finishRow(values: CellValue[], index: number): CellValue[] {
    if (this.flagsPosition >= 0) values[this.flagsPosition] = formatFlags(this.masks[index] as number);
    convertVolumes(this.table, values, this.mapping.convertUnits);
    return values;
  }

  private evaluate(
    record: CsvRecord,
    counting: boolean,
  ): { built: BuiltRow[]; derived: Array<{ dimension: CompiledDimension; row: BuiltRow }> } | null {
    const { table, header } = this;
    const rejected = (...errors: RowError[]): null => {
      if (!counting) throw fileChanged();
      this.rejectedRows += 1;
      for (const error of errors) this.report(error);
      return null;
    };
    if (record.error) return rejected({ line: record.line, column: null, message: record.error });
    if (record.fields.length !== header.length)
      return rejected({
        line: record.line,
        column: null,
        message: `has ${record.fields.length} fields but the header has ${header.length}`,
      });
    if (this.rowFilter && !this.rowFilter.matches(record.fields)) {
      if (counting) this.rowsFiltered += 1;
      return null;
    }
    const matching = this.entries.filter((entry) => entry.when === null || entry.when.matches(record.fields));
    if (matching.length === 0) {
      if (counting) this.rowsFiltered += 1;
      return null;
    }
    const built = matching.map((entry) =>
      buildRow(table, [...this.baseColumns, ...entry.columns], record.fields, record.line, this.loadedAt, ''),
    );
    const derived = counting
      ? this.dimensions
          .filter((dimension) => !dimension.constant)
          .map((dimension) => ({
            dimension,
            row: buildRow(
              dimension.table,
              dimension.columns,
              record.fields,
              record.line,
              this.loadedAt,
              `${dimension.path}.`,
            ),
          }))
      : [];
    const recordErrors: RowError[] = [];
    for (const row of [...built, ...derived.map((entry) => entry.row)]) recordErrors.push(...row.errors);
    const uniqueErrors = dedupeErrors(recordErrors);
    if (uniqueErrors.length > 0) return rejected(...uniqueErrors);
    return { built, derived };
  }
}

/** Multiplies the volume columns of a row whose product has a declared conversion by its factor. */
function convertVolumes(
  table: LoadableTable,
  row: CellValue[],
  conversions: Readonly<Record<string, UnitConversion>>,
): void {
  const volumeColumns = VOLUME_COLUMNS[table.name];
  if (!volumeColumns) return;
  const conversion = conversions[String(row[positionOf(table, 'product_id')])];
  if (!conversion) return;
  for (const name of volumeColumns) {
    const position = positionOf(table, name);
    const value = row[position];
    if (typeof value === 'number') row[position] = value * conversion.factor;
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

/** Counts the rows per flag. */
function countFlags(masks: readonly number[]): { flags: Record<QualityFlag, number>; flaggedRows: number } {
  const flags = emptyFlagCounts();
  let flaggedRows = 0;
  for (const mask of masks) {
    if (mask === 0) continue;
    flaggedRows += 1;
    for (const flag of QUALITY_FLAGS) if ((mask & FLAG_BIT[flag]) !== 0) flags[flag] += 1;
  }
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
      rowCount: rows.size,
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
