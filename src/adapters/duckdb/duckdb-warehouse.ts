import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  DuckDBTypeId,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import {
  type SqlParam,
  type Warehouse,
  WarehouseError,
  type WarehouseQueryOptions,
  type WarehouseResult,
} from '../../ports/warehouse.js';
import { WAREHOUSE_DDL } from './schema.js';

/** Options for {@link openDuckDbWarehouse}. */
export interface DuckDbWarehouseOptions {
  /** File path, or `:memory:` for an in-memory database. */
  path: string;
  /** Default statement timeout. */
  timeoutMs: number;
  /** Connections kept open for concurrent queries (DuckDB runs them in parallel). */
  connections?: number;
  /** Threads DuckDB may use per query (DuckDB's default, one per core, when absent; the app passes `DUCKDB_THREADS`). */
  threads?: number;
  /** Prepared statements kept per connection, by SQL text (parsed once; DuckDB re-plans one with parameters on each run). */
  statementCacheSize?: number;
  /** Rows per row group of the database file (see {@link WAREHOUSE_ROW_GROUP_SIZE}). */
  rowGroupSize?: number;
}

/**
 * Rows per row group of the warehouse file. DuckDB skips a row group when its zone map (min/max per
 * column) excludes a filter; at DuckDB's default of 122,880 rows a demo-sized table is one group and
 * every one-day query scans all of it. Facts are appended in date order, so at 2,048 rows a one-day
 * query reads one group per table.
 */
export const WAREHOUSE_ROW_GROUP_SIZE = 2_048;

/** Name under which the database file is attached; every connection `USE`s it. */
const DATABASE_ALIAS = 'warehouse';

const NUMERIC_AS_STRING = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);
const TIMESTAMPS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/** DuckDB-backed {@link Warehouse} for the embedded default; creates the analytics schema on open. */
export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb' as const;
  private readonly idle: DuckDBConnection[];
  private readonly waiters: Array<{ grant: (connection: DuckDBConnection) => void }> = [];
  private readonly statements = new Map<
    DuckDBConnection,
    { generation: number; bySql: Map<string, DuckDBPreparedStatement> }
  >();
  /** Bumped by every write or DDL; a connection's statements from an older generation are dropped. */
  private generation = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    connections: DuckDBConnection[],
    private readonly timeoutMs: number,
    private readonly statementCacheSize: number,
  ) {
    this.idle = connections;
  }

  /**
   * Opens (creating if needed) the database file and the warehouse tables. The file is attached to an
   * in-memory instance, because the row-group size is an option of `ATTACH`, not of opening a file.
   */
  static async open(options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
    if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(
      ':memory:',
      options.threads === undefined ? {} : { threads: String(options.threads) },
    );
    const connections: DuckDBConnection[] = [];
    try {
      const rowGroupSize = Math.trunc(options.rowGroupSize ?? WAREHOUSE_ROW_GROUP_SIZE);
      const first = await instance.connect();
      connections.push(first);
      await first.run(
        `ATTACH '${options.path.replaceAll("'", "''")}' AS ${DATABASE_ALIAS} (ROW_GROUP_SIZE ${rowGroupSize})`,
      );
      for (let index = 1; index < (options.connections ?? 4); index += 1) {
        connections.push(await instance.connect());
      }
      for (const connection of connections) await connection.run(`USE ${DATABASE_ALIAS}`);
    } catch (error) {
      for (const connection of connections) connection.closeSync();
      instance.closeSync();
      throw error;
    }
    const warehouse = new DuckDbWarehouse(
      instance,
      connections,
      options.timeoutMs,
      options.statementCacheSize ?? 64,
    );
    for (const statement of WAREHOUSE_DDL) await warehouse.execute(statement);
    return warehouse;
  }

  async query<Row extends Record<string, unknown>>(
    sql: string,
    params: readonly SqlParam[] = [],
    options: WarehouseQueryOptions = {},
  ): Promise<WarehouseResult<Row>> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const connection = await this.acquire(timeoutMs);
    let timedOut = false;
    let repeat: NodeJS.Timeout | undefined;
    const remaining = Math.max(1, timeoutMs - (performance.now() - started));
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
      repeat = setInterval(() => connection.interrupt(), 50);
    }, remaining);
    try {
      const result = await this.prepared(connection, sql, params);
      const names = result.columnNames().map((name) => name.toLowerCase());
      const types = result.columnTypes().map((type) => type.typeId);
      const rows: Row[] = [];
      for (let index = 0; index < result.chunkCount; index += 1) {
        for (const values of result.getChunk(index).convertRows(JsonDuckDBValueConverter)) {
          rows.push(toRow<Row>(names, types, values));
        }
      }
      return { rows, queryId: randomUUID(), elapsedMs: performance.now() - started };
    } catch (error) {
      this.forgetStatement(connection, sql);
      if (timedOut)
        throw new WarehouseError('timeout', `warehouse query exceeded ${timeoutMs} ms`, { cause: error });
      throw new WarehouseError('query', `warehouse query failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      clearInterval(repeat);
      this.release(connection);
    }
  }

  /** Runs a statement that returns no rows (DDL, inserts from trusted code). */
  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    const connection = await this.acquire();
    this.forgetAllStatements();
    try {
      await connection.run(sql, [...params]);
    } finally {
      this.forgetAllStatements();
      this.release(connection);
    }
  }

  /** Runs `work` on one connection inside a transaction, rolling back on error. */
  async transaction<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    this.forgetAllStatements();
    try {
      await connection.run('BEGIN TRANSACTION');
      try {
        const result = await work(connection);
        await connection.run('COMMIT');
        return result;
      } catch (error) {
        await connection.run('ROLLBACK');
        throw error;
      }
    } finally {
      this.forgetAllStatements();
      this.release(connection);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1 AS ok', [], { timeoutMs: 2_000 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.forgetAllStatements();
    for (const connection of this.idle) connection.closeSync();
    this.idle.length = 0;
    this.instance.closeSync();
  }

  /**
   * Runs `sql` through this connection's prepared statement for it, preparing it on first use (parsed
   * once; DuckDB still plans a statement with parameters again on every execution, see ADR 0011). The
   * result is materialised by the execution itself, so its chunks are read synchronously: no further
   * round trip through the thread pool per chunk (ADR 0012).
   */
  private async prepared(connection: DuckDBConnection, sql: string, params: readonly SqlParam[]) {
    let cache = this.statements.get(connection);
    if (cache && cache.generation !== this.generation) {
      this.dropStatements(connection);
      cache = undefined;
    }
    if (!cache) {
      cache = { generation: this.generation, bySql: new Map() };
      this.statements.set(connection, cache);
    }
    let statement = cache.bySql.get(sql);
    if (statement) {
      cache.bySql.delete(sql);
    } else {
      statement = await connection.prepare(sql);
      while (cache.bySql.size >= this.statementCacheSize) {
        const [oldest, evicted] = cache.bySql.entries().next().value as [string, DuckDBPreparedStatement];
        cache.bySql.delete(oldest);
        evicted.destroySync();
      }
    }
    cache.bySql.set(sql, statement);
    statement.clearBindings();
    if (params.length > 0) statement.bind([...params]);
    return statement.run();
  }

  private forgetStatement(connection: DuckDBConnection, sql: string): void {
    const cache = this.statements.get(connection);
    const statement = cache?.bySql.get(sql);
    if (!cache || !statement) return;
    cache.bySql.delete(sql);
    statement.destroySync();
  }

  /**
   * Invalidates every prepared statement (before and after writes and DDL, so no plan outlives a schema
   * change). Statements are destroyed only by the holder of their connection: idle connections' now, the
   * others' on their next use.
   */
  private forgetAllStatements(): void {
    this.generation += 1;
    for (const connection of this.idle) this.dropStatements(connection);
  }

  private dropStatements(connection: DuckDBConnection): void {
    const cache = this.statements.get(connection);
    if (!cache) return;
    for (const statement of cache.bySql.values()) statement.destroySync();
    this.statements.delete(connection);
  }

  /** Takes a free connection, waiting at most `timeoutMs` (the wait counts against the statement timeout). */
  private acquire(timeoutMs = this.timeoutMs): Promise<DuckDBConnection> {
    if (this.closed) return Promise.reject(new WarehouseError('unavailable', 'warehouse is closed'));
    const connection = this.idle.pop();
    if (connection) return Promise.resolve(connection);
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (granted: DuckDBConnection) => {
          clearTimeout(timer);
          resolve(granted);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new WarehouseError('timeout', `no warehouse connection became free within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private release(connection: DuckDBConnection): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.grant(connection);
    else if (this.closed) {
      this.dropStatements(connection);
      connection.closeSync();
    } else this.idle.push(connection);
  }
}

/** One result row as an object keyed by the lower-cased column names. */
function toRow<Row>(names: string[], types: DuckDBTypeId[], values: Json[]): Row {
  const row: Record<string, unknown> = {};
  for (let index = 0; index < names.length; index += 1) {
    const value = values[index] ?? null;
    const typeId = types[index] as DuckDBTypeId;
    const name = names[index] as string;
    if (value === null) row[name] = null;
    else if (NUMERIC_AS_STRING.has(typeId)) row[name] = Number(value);
    else if (TIMESTAMPS.has(typeId) && typeof value === 'string')
      row[name] = value.replace(' ', 'T').slice(0, 19);
    else row[name] = value;
  }
  return row as Row;
}

/** Opens the embedded warehouse; see {@link DuckDbWarehouse.open}. */
export const openDuckDbWarehouse = (options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> =>
  DuckDbWarehouse.open(options);
