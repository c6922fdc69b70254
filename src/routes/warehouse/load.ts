import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { DuckDbWarehouse } from '../../adapters/duckdb/duckdb-warehouse.js';
import {
  CsvFileError,
  dryRunSummary,
  LoadValidationError,
  MappingError,
  prepareCsvLoad,
  readRegisteredMapping,
  UnitClashError,
  writePreparedLoad,
} from '../../domain/importer/index.js';
import type { AppEnv } from '../../http/context.js';
import { authErrors, jsonContent, keySecurity, problemContent } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';
import { LoadSummarySchema, MappingParams } from './schemas.js';

/** Row errors returned in a rejection (all are counted). */
const ERRORS_SHOWN = 100;

const route = createRoute({
  method: 'post',
  path: '/warehouse/loads/{mapping}',
  tags: ['warehouse'],
  summary: 'Load a CSV file into the embedded warehouse with a registered mapping',
  description:
    "For pipelines (the daily file an Airflow task pushes). Needs the `warehouse:write` or `admin` scope. The body is the CSV file (`Content-Type: text/csv`), streamed to a spool file in the data directory (never held in memory; at most `WAREHOUSE_LOAD_MAX_BYTES`), then validated and loaded exactly as `datalive load-csv` does: every row is checked first and a rejected file changes nothing; the load is one transaction; rows replace the warehouse rows with the same keys, so sending the same file again is idempotent. A product whose unit differs from the warehouse's is refused (409) unless the mapping declares `convert_units`. Loads run one at a time.",
  security: keySecurity,
  request: {
    params: MappingParams,
    query: z.object({
      dry_run: z
        .enum(['true', 'false', '1', '0'])
        .optional()
        .openapi({ description: 'Validate only; write nothing.' }),
      source: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, 'must be a file-like name')
        .optional()
        .openapi({
          description: 'Name recorded in `load_metadata.source` (default `<mapping>.csv`).',
          example: 'volve_2016-12-01.csv',
        }),
    }),
    body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    200: jsonContent(
      LoadSummarySchema,
      'Loaded (or, with `dry_run`, validated); the same summary as `datalive load-csv --json`.',
    ),
    404: problemContent('No mapping of that name is registered.'),
    409: problemContent(
      'The file declares another unit for a product the warehouse holds (`conflict`, with `clashes`).',
    ),
    413: problemContent('The body exceeds `WAREHOUSE_LOAD_MAX_BYTES`.'),
    415: problemContent('The body is not `text/csv`.'),
    422: problemContent(
      'The file was rejected and nothing was written (`unprocessable`): row errors with line numbers in `errors`, or a column the mapping needs is missing.',
    ),
    503: problemContent('The server does not use the embedded DuckDB warehouse.'),
    ...authErrors,
  },
});

/** One load at a time per warehouse: DuckDB would abort the second of two overlapping writes. */
const queues = new WeakMap<DuckDbWarehouse, Promise<unknown>>();

function serialised<T>(warehouse: DuckDbWarehouse, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(warehouse) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(work);
  queues.set(warehouse, next);
  return next;
}

class BodyTooLarge extends Error {}

/** Streams the request body to `file`, refusing more than `maxBytes`. */
async function spool(body: ReadableStream<Uint8Array>, file: string, maxBytes: number): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > maxBytes ? new BodyTooLarge() : null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>),
    counter,
    createWriteStream(file, { mode: 0o600 }),
  );
  return bytes;
}

/** `POST /warehouse/loads/{mapping}`. */
export const loadRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const services = c.get('services');
  const { config } = services;
  const { mapping: name } = c.req.valid('param');
  const query = c.req.valid('query');
  const warehouse = services.embeddedWarehouse;
  if (!warehouse)
    throw new ProblemError(
      'dependency_unavailable',
      'HTTP loads write to the embedded DuckDB warehouse; this server uses Snowflake.',
    );
  const contentType = c.req.header('content-type') ?? '';
  if (!/^text\/csv\b/i.test(contentType))
    throw new ProblemError(
      'unsupported_media_type',
      'Send the file as the body with Content-Type: text/csv.',
    );
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > config.loads.maxBytes)
    throw new ProblemError(
      'payload_too_large',
      `The file exceeds ${config.loads.maxBytes} bytes (WAREHOUSE_LOAD_MAX_BYTES).`,
    );

  let registered: Awaited<ReturnType<typeof readRegisteredMapping>>;
  try {
    registered = await readRegisteredMapping(config.loads.mappingsDir, name);
  } catch (error) {
    if (error instanceof MappingError)
      throw new ProblemError('unprocessable', `The registered mapping "${name}" is invalid.`, {
        errors: error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
      });
    throw error;
  }
  if (!registered)
    throw new ProblemError(
      'not_found',
      `No mapping "${name}" is registered (GET /warehouse/mappings lists them).`,
    );
  const body = c.req.raw.body;
  if (!body) throw new ProblemError('invalid_request', 'The body must be the CSV file.');

  const spoolDir = path.join(config.dataDir, 'spool');
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const file = path.join(spoolDir, `${randomUUID()}.csv`);
  const started = performance.now();
  try {
    try {
      await spool(body, file, config.loads.maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        throw new ProblemError(
          'payload_too_large',
          `The file exceeds ${config.loads.maxBytes} bytes (WAREHOUSE_LOAD_MAX_BYTES).`,
        );
      throw error;
    }
    const dryRun = query.dry_run === 'true' || query.dry_run === '1';
    const summary = await serialised(warehouse, async () => {
      const prepared = await prepareCsvLoad({
        mapping: registered.mapping,
        filePath: file,
        sourceName: query.source ?? `${name}.csv`,
      });
      if (dryRun) return dryRunSummary(prepared, started);
      const written = await writePreparedLoad(warehouse, prepared, { started });
      services.insights.invalidate();
      return written;
    });
    c.get('event').load_rows = summary.rowsLoaded;
    return c.json({ status: summary.dryRun ? ('validated' as const) : ('loaded' as const), ...summary }, 200);
  } catch (error) {
    throw loadProblem(error);
  } finally {
    rmSync(file, { force: true });
  }
});

/** A load failure as the problem a pipeline can act on; anything else passes through. */
function loadProblem(error: unknown): unknown {
  if (error instanceof LoadValidationError)
    return new ProblemError(
      'unprocessable',
      `The file was rejected and nothing was loaded: ${error.errorCount} error(s) in ${error.rejectedRows} of ${error.rowsRead} rows.`,
      {
        rows_read: error.rowsRead,
        rejected_rows: error.rejectedRows,
        error_count: error.errorCount,
        errors: error.errors.slice(0, ERRORS_SHOWN).map((row) => ({
          path: `line ${row.line}${row.column ? ` [${row.column}]` : ''}`,
          message: row.message,
        })),
      },
    );
  if (error instanceof MappingError)
    return new ProblemError('unprocessable', 'The file does not fit the mapping; nothing was loaded.', {
      errors: error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    });
  if (error instanceof CsvFileError)
    return new ProblemError(
      'unprocessable',
      `The file was rejected and nothing was loaded: ${error.message}`,
    );
  if (error instanceof UnitClashError)
    return new ProblemError('conflict', `${error.message} Nothing was loaded.`, { clashes: error.clashes });
  return error;
}
