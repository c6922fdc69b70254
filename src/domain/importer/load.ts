import { createReadStream } from 'node:fs';
import path from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, dateValue, timestampValue } from '@duckdb/node-api';
import type { DuckDbWarehouse } from '../../adapters/duckdb/duckdb-warehouse.js';
import type { CellValue } from './cells.js';
import { CsvFileError } from './errors.js';
import { type Mapping, MappingError, parseMapping } from './mapping.js';
import {
  type CsvSource,
  type LoadProgress,
  type PreparedLoad,
  type PreparedTable,
  prepareLoad,
  prepareLoadStream,
} from './prepare.js';
import type { QualityFlag } from './quality.js';
import type { ColumnType, DimensionTableName, LoadableTable, LoadableTableName } from './tables.js';
import { type UnitClash, UnitClashError } from './units.js';
import { epochDayOf } from './values.js';

/** Options of {@link loadCsv}. Give exactly one of `csvText` and `filePath`. */
export interface LoadCsvOptions {
  /** A validated mapping, or mapping YAML text. */
  mapping: Mapping | string;
  /** Target table (`--table`); must agree with the mapping's table when both are given. */
  table?: string;
  csvText?: string;
  filePath?: string;
  /** `load_metadata.source` (default: the file's base name, or `inline.csv` for `csvText`). */
  sourceName?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Row errors kept in a rejection (all are counted); default 1000. */
  maxErrors?: number;
  /** `load_metadata.loaded_at` and the default `forecast_daily.generated_at` (default: now). */
  loadedAt?: Date;
  /** Validate and compute flags, write nothing. */
  dryRun?: boolean;
}

/** Rows written to one dimension table. */
export interface DimensionSummary {
  table: DimensionTableName;
  /** Distinct rows in the file for the table (inserted or updated). */
  rows: number;
  /** Of those, rows that already existed and were updated. */
  updated: number;
}

/** What a load did (or, with `dryRun`, would do). */
export interface LoadSummary {
  table: LoadableTableName;
  source: string;
  dryRun: boolean;
  /** Data records in the file. */
  rowsRead: number;
  /** Records dropped by the mapping's `filter` or matched by no `unpivot` entry. */
  rowsFiltered: number;
  /** Rows written to the table (one record gives several rows with `unpivot`). */
  rowsLoaded: number;
  /** Warehouse rows with a key of the file that were replaced (or updated, for tables with a primary key). */
  rowsReplaced: number;
  /** Loaded rows carrying at least one quality flag. */
  flaggedRows: number;
  /** Loaded rows carrying each quality flag. */
  flags: Record<QualityFlag, number>;
  dimensions: DimensionSummary[];
  /** Conversions applied, per product (from the mapping's `convert_units`). */
  unitConversions: Array<{ product_id: string; from: string; to: string; factor: number }>;
  warnings: string[];
  /** ISO timestamp (UTC) recorded in `load_metadata`. */
  loadedAt: string;
  seconds: number;
}

const READ_CHUNK_BYTES = 256 * 1024;
const LINE_FEED = 0x0a;
const APPEND_CHUNK = 5_000;
const REFERENCES: ReadonlyArray<readonly [column: string, table: DimensionTableName]> = [
  ['site_id', 'sites'],
  ['asset_id', 'assets'],
  ['product_id', 'products'],
];

/**
 * Loads one CSV file into the embedded warehouse in two phases. Phase one validates every row (see
 * {@link prepareLoad}); any row error rejects the whole file with {@link LoadValidationError} and nothing is
 * written. Phase two writes everything in one transaction: dimension rows are upserted, the table's rows
 * replace the warehouse rows with the same key (so loading the same file twice is idempotent), and one
 * `load_metadata` row is written per table touched.
 */
export async function loadCsv(warehouse: DuckDbWarehouse, options: LoadCsvOptions): Promise<LoadSummary> {
  const started = performance.now();
  const prepared = await prepareCsvLoad(options);
  if (options.dryRun) return dryRunSummary(prepared, started);
  return writePreparedLoad(warehouse, prepared, { onProgress: options.onProgress, started });
}

/**
 * Phase one of {@link loadCsv} on its own: reads the file and mapping, validates, writes nothing. A file is
 * read incrementally (memory does not grow with its size; the write reads it again, see
 * {@link prepareLoadStream}); `csvText` is validated in memory.
 */
export async function prepareCsvLoad(options: LoadCsvOptions): Promise<PreparedLoad> {
  const mapping =
    typeof options.mapping === 'string'
      ? parseMapping(options.mapping, options.table === undefined ? {} : { table: options.table })
      : options.mapping;
  if (options.table !== undefined && options.table !== mapping.table)
    throw new MappingError([
      {
        path: 'table',
        message: `the mapping loads "${mapping.table}" but the table given is "${options.table}"`,
      },
    ]);
  if ((options.csvText === undefined) === (options.filePath === undefined))
    throw new TypeError('loadCsv needs exactly one of csvText and filePath');
  const common = {
    mapping,
    loadedAt: options.loadedAt ?? new Date(),
    ...(options.maxErrors === undefined ? {} : { maxErrors: options.maxErrors }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  if (options.csvText !== undefined)
    return prepareLoad({ ...common, csvText: options.csvText, source: options.sourceName ?? 'inline.csv' });
  const filePath = options.filePath as string;
  return prepareLoadStream({
    ...common,
    csv: await fileSource(filePath),
    source: options.sourceName ?? path.basename(filePath),
  });
}

/** A UTF-8 file as a {@link CsvSource}: read in chunks, decoded across chunk boundaries. */
export async function fileSource(filePath: string): Promise<CsvSource> {
  return { lines: await countFileLines(filePath), open: () => decodedChunks(filePath) };
}

/** Line feeds in the file, plus one when it does not end with one (as `prepareLoad` counts text). */
async function countFileLines(filePath: string): Promise<number> {
  let count = 0;
  let last = -1;
  for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    for (let at = bytes.indexOf(LINE_FEED); at !== -1; at = bytes.indexOf(LINE_FEED, at + 1)) count += 1;
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
  }
  return last === LINE_FEED ? count : count + 1;
}

/** The file's text in chunks, UTF-8 decoded across chunk boundaries. */
async function* decodedChunks(filePath: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes?: Buffer): string => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new CsvFileError(
        `${filePath} is not valid UTF-8; save it as UTF-8 (CSV UTF-8 in Excel) and retry`,
      );
    }
  };
  for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES })) {
    const text = decode(chunk as Buffer);
    if (text !== '') yield text;
  }
  const rest = decode();
  if (rest !== '') yield rest;
}

/** Phase two of {@link loadCsv}: writes a prepared load in one transaction. */
export async function writePreparedLoad(
  warehouse: DuckDbWarehouse,
  prepared: PreparedLoad,
  options: { onProgress?: ((progress: LoadProgress) => void) | undefined; started?: number } = {},
): Promise<LoadSummary> {
  const started = options.started ?? performance.now();
  const tables = [...prepared.dimensions, prepared.main];
  const total = tables.reduce((sum, table) => sum + table.rowCount, 0);
  let done = 0;
  const tick = (rows: number): void => {
    done += rows;
    options.onProgress?.({ phase: 'load', done, total });
  };
  const loadedAt = sqlTimestamp(prepared.loadedAt);
  const warnings: string[] = [];
  const updated = new Map<string, number>();
  const replaced = await warehouse.transaction(async (connection) => {
    await refuseUnitChanges(connection, declaredUnits(prepared));
    let mainReplaced = 0;
    for (const table of tables) {
      const isMain = table === prepared.main;
      const rows = isMain && prepared.streamRows ? prepared.streamRows() : [table.rows];
      const result = await writeTable(connection, table, rows, tick, isMain ? warnings : null);
      if (isMain) mainReplaced = result.replaced;
      else updated.set(table.table.name, result.replaced);
      await connection.run(
        'INSERT INTO analytics.load_metadata (table_name, source, loaded_at, row_count) VALUES (?, ?, CAST(? AS TIMESTAMP), ?)',
        [table.table.name, prepared.source, loadedAt, table.rowCount],
      );
    }
    return mainReplaced;
  });
  return summarize(prepared, started, { dryRun: false, replaced, updated, warnings });
}

/** Units a prepared load gives its products: product rows it writes, and the targets of its conversions. */
export function declaredUnits(prepared: PreparedLoad): Map<string, string> {
  const units = new Map<string, string>();
  for (const table of [...prepared.dimensions, prepared.main]) {
    if (table.table.name !== 'products') continue;
    const idAt = table.table.columns.findIndex((column) => column.name === 'product_id');
    const unitAt = table.table.columns.findIndex((column) => column.name === 'unit');
    for (const row of table.rows) {
      const unit = row[unitAt];
      if (unit !== null && unit !== undefined) units.set(String(row[idAt]), String(unit));
    }
  }
  for (const [product, conversion] of Object.entries(prepared.unitConversions))
    units.set(product, conversion.to);
  return units;
}

/** Throws {@link UnitClashError} when a declared unit differs from the product's unit in the warehouse. */
async function refuseUnitChanges(
  connection: DuckDBConnection,
  declared: ReadonlyMap<string, string>,
): Promise<void> {
  if (declared.size === 0) return;
  const ids = [...declared.keys()];
  const reader = await connection.runAndReadAll(
    `SELECT product_id, unit FROM analytics.products WHERE product_id IN (${ids.map(() => '?').join(', ')}) ORDER BY product_id`,
    ids,
  );
  const clashes: UnitClash[] = [];
  for (const [productId, unit] of reader.getRowsJson()) {
    const fileUnit = declared.get(String(productId));
    if (fileUnit !== undefined && fileUnit !== String(unit))
      clashes.push({ product_id: String(productId), warehouse_unit: String(unit), file_unit: fileUnit });
  }
  if (clashes.length > 0) throw new UnitClashError(clashes);
}

/** The summary of a prepared load that is not written (`--dry-run`): what a load would do. */
export function dryRunSummary(prepared: PreparedLoad, started: number): LoadSummary {
  return summarize(prepared, started, { dryRun: true, replaced: 0, updated: new Map() });
}

async function writeTable(
  connection: DuckDBConnection,
  prepared: PreparedTable,
  batches: AsyncIterable<CellValue[][]> | Iterable<CellValue[][]>,
  tick: (rows: number) => void,
  warnings: string[] | null,
): Promise<{ replaced: number }> {
  const { table } = prepared;
  const stage = `datalive_load_${table.name}`;
  const staged = `temp.main.${stage}`;
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${stage} AS SELECT * FROM analytics.${table.name} LIMIT 0`,
  );
  const appender = await connection.createAppender(stage, 'main', 'temp');
  try {
    const types = table.columns.map((column) => column.type);
    let pending = 0;
    for await (const rows of batches)
      for (const row of rows) {
        for (let position = 0; position < row.length; position += 1)
          appendCell(appender, types[position] as ColumnType, row[position] ?? null);
        appender.endRow();
        pending += 1;
        if (pending === APPEND_CHUNK) {
          tick(pending);
          pending = 0;
        }
      }
    appender.flushSync();
    tick(pending);
  } finally {
    appender.closeSync();
  }

  const keyList = table.key.join(', ');
  let replaced: number;
  if (table.strategy === 'replace-by-key') {
    const matches = table.key.map((name) => `target.${name} = incoming.${name}`).join(' AND ');
    const deleted = await connection.run(
      `DELETE FROM analytics.${table.name} AS target USING (SELECT DISTINCT ${keyList} FROM ${staged}) AS incoming WHERE ${matches}`,
    );
    replaced = deleted.rowsChanged;
    await connection.run(`INSERT INTO analytics.${table.name} SELECT * FROM ${staged}`);
  } else {
    replaced = await count(
      connection,
      `SELECT count(*) FROM ${staged} AS incoming JOIN analytics.${table.name} AS target USING (${keyList})`,
    );
    const updates = prepared.mappedColumns.filter((name) => !table.key.includes(name));
    const onConflict =
      updates.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${updates.map((name) => `${name} = excluded.${name}`).join(', ')}`;
    await connection.run(
      `INSERT INTO analytics.${table.name} SELECT * FROM ${staged} ON CONFLICT (${keyList}) ${onConflict}`,
    );
  }
  if (warnings) warnings.push(...(await danglingReferences(connection, table, staged)));
  await connection.run(`DROP TABLE ${staged}`);
  return { replaced };
}

async function danglingReferences(
  connection: DuckDBConnection,
  table: LoadableTable,
  staged: string,
): Promise<string[]> {
  const warnings: string[] = [];
  for (const [column, dimension] of REFERENCES) {
    if (table.key.length === 1 && table.key[0] === column) continue;
    if (!table.columns.some((candidate) => candidate.name === column)) continue;
    const reader = await connection.runAndReadAll(
      `SELECT count(DISTINCT incoming.${column}) AS missing, min(incoming.${column}) AS example
         FROM ${staged} AS incoming LEFT JOIN analytics.${dimension} AS known USING (${column})
        WHERE incoming.${column} IS NOT NULL AND known.${column} IS NULL`,
    );
    const [missing, example] = reader.getRowsJson()[0] ?? [];
    if (Number(missing ?? 0) > 0)
      warnings.push(
        `${Number(missing)} ${column} value(s) have no row in ${dimension} (e.g. ${JSON.stringify(example)}); ` +
          `add them with dimensions.${dimension} in the mapping or load ${dimension} first`,
      );
  }
  return warnings;
}

async function count(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRowsJson()[0]?.[0] ?? 0);
}

function appendCell(appender: DuckDBAppender, type: ColumnType, value: CellValue): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case 'varchar':
      appender.appendVarchar(String(value));
      return;
    case 'double':
      appender.appendDouble(Number(value));
      return;
    case 'date':
      appender.appendDate(dateValue(epochDayOf(Number(value))));
      return;
    case 'timestamp':
      appender.appendTimestamp(timestampValue(BigInt(Math.round(Number(value) * 1000))));
      return;
  }
}

function sqlTimestamp(date: Date): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

function summarize(
  prepared: PreparedLoad,
  started: number,
  written: { dryRun: boolean; replaced: number; updated: ReadonlyMap<string, number>; warnings?: string[] },
): LoadSummary {
  return {
    table: prepared.main.table.name,
    source: prepared.source,
    dryRun: written.dryRun,
    rowsRead: prepared.rowsRead,
    rowsFiltered: prepared.rowsFiltered,
    rowsLoaded: prepared.main.rowCount,
    rowsReplaced: written.replaced,
    flaggedRows: prepared.flaggedRows,
    flags: prepared.flags,
    dimensions: prepared.dimensions.map((dimension) => ({
      table: dimension.table.name as DimensionTableName,
      rows: dimension.rowCount,
      updated: written.updated.get(dimension.table.name) ?? 0,
    })),
    unitConversions: Object.entries(prepared.unitConversions).map(([product, conversion]) => ({
      product_id: product,
      from: conversion.from,
      to: conversion.to,
      factor: conversion.factor,
    })),
    warnings: [...prepared.warnings, ...(written.warnings ?? [])],
    loadedAt: prepared.loadedAt.toISOString(),
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
