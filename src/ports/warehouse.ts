/** A value bound to a `?` placeholder. Request strings only ever travel as binds, never as SQL text. */
export type SqlParam = string | number | boolean | null;

/** Result of one warehouse statement. */
export interface WarehouseResult<Row> {
  rows: Row[];
  /** Adapter-specific statement id (Snowflake query id, or a generated id on DuckDB) for provenance. */
  queryId: string;
  elapsedMs: number;
}

/** Options for one warehouse statement. */
export interface WarehouseQueryOptions {
  /** Statement timeout; the adapter's default applies when absent. */
  timeoutMs?: number;
}

/**
 * The analytical warehouse: Snowflake in production, DuckDB in the embedded default.
 * SQL uses `?` positional placeholders and the portable subset both engines share.
 * Row contract (both adapters): column names lower case; DATE as `YYYY-MM-DD` strings; TIMESTAMP as
 * ISO-8601 strings without zone (`YYYY-MM-DDTHH:MM:SS`); integers and decimals as JS numbers; NULL as null.
 */
export interface Warehouse {
  readonly kind: 'duckdb' | 'snowflake';
  /**
   * Where the analytics tables live, as SQL names them: `DATABASE.SCHEMA` from configuration on Snowflake.
   * Absent means `analytics` (the embedded DuckDB layout).
   */
  readonly namespace?: string;
  query<Row extends Record<string, unknown>>(
    sql: string,
    params?: readonly SqlParam[],
    options?: WarehouseQueryOptions,
  ): Promise<WarehouseResult<Row>>;
  /** Cheap round trip used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Why a warehouse call failed; mapped to 504 (timeout), 503 (unavailable) or 500 (query). */
export type WarehouseFailure = 'timeout' | 'unavailable' | 'query';

/** Error raised by warehouse adapters with a classified cause. */
export class WarehouseError extends Error {
  constructor(
    readonly failure: WarehouseFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WarehouseError';
  }
}
