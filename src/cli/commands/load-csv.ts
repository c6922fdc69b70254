import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DuckDbWarehouse } from '../../adapters/duckdb/duckdb-warehouse.js';
import {
  CsvFileError,
  dryRunSummary,
  type LoadProgress,
  type LoadSummary,
  LoadValidationError,
  type Mapping,
  MappingError,
  type PreparedLoad,
  prepareCsvLoad,
  QUALITY_FLAGS,
  readMappingFile,
  UnitClashError,
  writePreparedLoad,
} from '../../domain/importer/index.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { createProgress, type Progress } from '../progress.js';
import { type Lease, resourcesOf } from '../resources.js';

const USAGE =
  'datalive load-csv [--table production_daily|downtime_events|forecast_daily|sites|assets|products] ' +
  '--mapping FILE.yaml [--dry-run] [--json] FILE.csv';
const ERRORS_SHOWN = 20;

/**
 * `datalive load-csv`: validates a CSV file against a YAML mapping and loads it into the embedded DuckDB
 * warehouse in one transaction. Exit codes: 0 loaded (or validated with `--dry-run`), 1 file rejected or
 * warehouse unavailable, 2 usage or mapping errors.
 */
export const loadCsvCommand: Command = {
  name: 'load-csv',
  summary: 'Validate a CSV file with a YAML mapping and load it into the embedded DuckDB warehouse',
  usage: USAGE,
  async run(context) {
    const { args, io, config } = context;
    const { values, positionals } = parseArgs({
      args,
      options: {
        table: { type: 'string' },
        mapping: { type: 'string' },
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one CSV file');
    if (!values.mapping) throw new UsageError('--mapping FILE.yaml is required');
    const cwd = context.cwd ?? process.cwd();
    const csvPath = path.resolve(cwd, positionals[0] as string);
    const mappingPath = path.resolve(cwd, values.mapping);
    const json = values.json;
    await ensureReadable(mappingPath, 'mapping file');
    await ensureReadable(csvPath, 'CSV file');

    let mapping: Mapping;
    try {
      mapping = await readMappingFile(mappingPath, values.table === undefined ? {} : { table: values.table });
    } catch (error) {
      if (error instanceof MappingError) return reportMappingError(io, error, json);
      throw error;
    }
    const settings = config();
    if (settings.warehouse.kind !== 'duckdb')
      throw new UsageError('load-csv only targets the embedded DuckDB warehouse (WAREHOUSE=duckdb)');

    const started = performance.now();
    const validating = new PhaseProgress(io, 'validating');
    let prepared: PreparedLoad;
    try {
      prepared = await prepareCsvLoad({ mapping, filePath: csvPath, onProgress: validating.update });
    } catch (error) {
      if (error instanceof LoadValidationError) return reportRejection(io, csvPath, error, json);
      if (error instanceof MappingError) return reportMappingError(io, error, json, 1);
      if (error instanceof CsvFileError) return reportFileError(io, csvPath, error, json);
      throw error;
    } finally {
      validating.stop();
    }
    if (values['dry-run']) {
      printSummary(io, dryRunSummary(prepared, started), settings.warehouse.path, json);
      return 0;
    }

    const resources = resourcesOf(context);
    let lease: Lease<DuckDbWarehouse>;
    try {
      lease = await resources.embeddedWarehouse(settings, { create: true });
    } catch (error) {
      const message = `${(error as Error).message}. Nothing was loaded.`;
      if (json) io.out(JSON.stringify({ status: 'unavailable', message }, null, 2));
      else io.err(`datalive load-csv: ${message}`);
      return 1;
    }
    const loading = new PhaseProgress(io, 'loading');
    try {
      const summary = await writePreparedLoad(lease.value, prepared, { onProgress: loading.update, started });
      loading.stop();
      resources.dataChanged();
      printSummary(io, summary, settings.warehouse.path, json);
      return 0;
    } catch (error) {
      if (error instanceof UnitClashError) return reportUnitClash(io, csvPath, error, json);
      throw error;
    } finally {
      loading.stop();
      await lease.release();
    }
  },
};

/** Turns cumulative {@link LoadProgress} reports into ticks of one progress bar, created on first report. */
class PhaseProgress {
  private progress: Progress | null = null;
  private reported = 0;

  constructor(
    private readonly io: CliIo,
    private readonly title: string,
  ) {}

  readonly update = ({ done, total }: LoadProgress): void => {
    this.progress ??= createProgress(this.io, this.title, total);
    const increment = done - this.reported;
    if (increment > 0) this.progress.tick(increment);
    this.reported = Math.max(this.reported, done);
  };

  stop(): void {
    this.progress?.stop();
    this.progress = null;
  }
}

async function ensureReadable(filePath: string, what: string): Promise<void> {
  try {
    await access(filePath);
  } catch {
    throw new UsageError(`${what} not found: ${filePath}`);
  }
}

function printSummary(io: CliIo, summary: LoadSummary, warehousePath: string, json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ status: summary.dryRun ? 'validated' : 'loaded', ...summary }, null, 2));
    return;
  }
  const flagged = QUALITY_FLAGS.filter((flag) => summary.flags[flag] > 0).map(
    (flag) => `${flag} ${summary.flags[flag]}`,
  );
  const lines = [
    summary.dryRun
      ? `${summary.source} is valid for ${summary.table} (dry run: nothing was written)`
      : `loaded ${summary.source} into ${summary.table} (${warehousePath})`,
    `  rows read      ${summary.rowsRead}`,
    `  filtered out   ${summary.rowsFiltered}`,
    `  rows ${summary.dryRun ? 'to load' : 'loaded '}   ${summary.rowsLoaded}` +
      (summary.rowsReplaced > 0 ? ` (replacing ${summary.rowsReplaced} rows with the same keys)` : ''),
    `  dimensions     ${summary.dimensions.map((dimension) => `${dimension.table} ${dimension.rows}`).join(', ') || 'none'}`,
    ...(summary.unitConversions.length > 0
      ? [
          `  units          ${summary.unitConversions
            .map(
              (entry) =>
                `${entry.product_id} ${entry.from} → ${entry.to} (× ${Number(entry.factor.toPrecision(6))})`,
            )
            .join(', ')}`,
        ]
      : []),
    `  quality flags  ${summary.flaggedRows} rows flagged${flagged.length > 0 ? `: ${flagged.join(', ')}` : ''}`,
    `  time           ${summary.seconds.toFixed(2)} s`,
  ];
  for (const line of lines) io.out(line);
  for (const warning of summary.warnings) io.err(`warning: ${warning}`);
}

function reportRejection(io: CliIo, csvPath: string, error: LoadValidationError, json: boolean): number {
  if (json) {
    io.out(
      JSON.stringify(
        {
          status: 'rejected',
          source: csvPath,
          rows_read: error.rowsRead,
          rejected_rows: error.rejectedRows,
          error_count: error.errorCount,
          errors: error.errors.slice(0, ERRORS_SHOWN),
        },
        null,
        2,
      ),
    );
    return 1;
  }
  io.err(
    `datalive load-csv: ${csvPath} rejected, nothing was loaded: ${error.errorCount} error(s) in ` +
      `${error.rejectedRows} of ${error.rowsRead} rows`,
  );
  for (const row of error.errors.slice(0, ERRORS_SHOWN))
    io.err(`  line ${row.line}${row.column ? ` [${row.column}]` : ''}: ${row.message}`);
  if (error.errorCount > ERRORS_SHOWN) io.err(`  … and ${error.errorCount - ERRORS_SHOWN} more`);
  return 1;
}

function reportMappingError(io: CliIo, error: MappingError, json: boolean, exitCode = 2): number {
  if (json) io.out(JSON.stringify({ status: 'invalid_mapping', issues: error.issues }, null, 2));
  else io.err(`datalive load-csv: ${error.message}`);
  return exitCode;
}

function reportFileError(io: CliIo, csvPath: string, error: CsvFileError, json: boolean): number {
  if (json) io.out(JSON.stringify({ status: 'rejected', source: csvPath, message: error.message }, null, 2));
  else io.err(`datalive load-csv: ${csvPath} rejected, nothing was loaded: ${error.message}`);
  return 1;
}

function reportUnitClash(io: CliIo, csvPath: string, error: UnitClashError, json: boolean): number {
  if (json) {
    io.out(
      JSON.stringify(
        { status: 'rejected', source: csvPath, message: error.message, clashes: error.clashes },
        null,
        2,
      ),
    );
  } else io.err(`datalive load-csv: ${csvPath} rejected, nothing was loaded: ${error.message}`);
  return 1;
}
