import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import snowflake, {
  type Column,
  type Connection,
  type ConnectionOptions,
  type RowStatement,
  type SnowflakeError,
  type SnowflakeLogger,
} from 'snowflake-sdk';
import type { Config } from '../../config.js';
import {
  type SqlParam,
  type Warehouse,
  WarehouseError,
  type WarehouseFailure,
  type WarehouseQueryOptions,
  type WarehouseResult,
} from '../../ports/warehouse.js';

/** The Snowflake branch of the warehouse configuration. */
export type SnowflakeWarehouseConfig = Extract<Config['warehouse'], { kind: 'snowflake' }>;

/** The connection pool the adapter needs from `snowflake-sdk` (a generic-pool `Pool<Connection>`). */
export interface SnowflakePool {
  acquire(): PromiseLike<Connection>;
  release(connection: Connection): PromiseLike<void>;
  destroy(connection: Connection): PromiseLike<void>;
  drain(): PromiseLike<void>;
  clear(): PromiseLike<void>;
}

/** Pool settings handed to `createPool` (the subset of generic-pool options the adapter sets). */
export interface SnowflakePoolOptions {
  max: number;
  min: number;
  evictionRunIntervalMillis: number;
  idleTimeoutMillis: number;
}

/** The part of the `snowflake-sdk` module the adapter calls; injectable so tests can observe it. */
export interface SnowflakeSdk {
  configure(options: { logLevel: 'WARN'; customLogger: SnowflakeLogger }): void;
  createPool(connectionOptions: ConnectionOptions, poolOptions: SnowflakePoolOptions): SnowflakePool;
}

/** Options for {@link SnowflakeWarehouse}: the configuration plus optional seams. */
export interface SnowflakeWarehouseOptions extends Omit<SnowflakeWarehouseConfig, 'kind'> {
  /**
   * Driver options merged over the computed ones, e.g. `accessUrl` to reach a private-link or local test
   * endpoint. Credentials cannot be overridden here.
   */
  connectionOptions?: Omit<
    ConnectionOptions,
    'privateKey' | 'privateKeyPath' | 'privateKeyPass' | 'password'
  >;
  /** The driver module; defaults to `snowflake-sdk`. */
  sdk?: SnowflakeSdk;
  /** Receives the driver's own warnings and errors (already secret-masked); defaults to stderr. */
  driverLogger?: SnowflakeLogger;
}

/** An unquoted Snowflake identifier (resolved upper case); the only form configuration may name. */
export const SNOWFLAKE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const CANCEL_GRACE_MS = 5_000;
const IDLE_CONNECTION_MS = 30 * 60_000;
const LOGIN_RETRIES = 2;
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const TIMEOUT_CODES = new Set([604, 630]);
/** Only consulted for errors without a code, such as the pool's connection-factory errors (message only). */
const UNAVAILABLE_MESSAGE =
  /network error|could not reach snowflake|jwt token is invalid|incorrect username or password|\b(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)\b|socket hang up/i;

const stderrLogger: SnowflakeLogger = {
  error: (message) => process.stderr.write(`snowflake-sdk error: ${message}\n`),
  warn: (message) => process.stderr.write(`snowflake-sdk warn: ${message}\n`),
  info: () => {},
  debug: () => {},
  trace: () => {},
};

interface Completion {
  error: SnowflakeError | undefined;
  statement: RowStatement | undefined;
  rows: unknown[][] | undefined;
}

interface PendingStatement {
  completion: Promise<Completion>;
  cancel(): void;
}

/**
 * Snowflake-backed {@link Warehouse}: key-pair (JWT) authentication, a bounded connection pool, `?` binds
 * sent as driver binds, a per-statement timeout enforced both by Snowflake (`STATEMENT_TIMEOUT_IN_SECONDS`)
 * and by a client timer that aborts the statement, rows normalised to the port's row contract, and every
 * failure classified as a {@link WarehouseError}.
 */
export class SnowflakeWarehouse implements Warehouse {
  readonly kind = 'snowflake' as const;
  /** `DATABASE.SCHEMA` from configuration; every compiled statement names its tables in it. */
  readonly namespace: string;
  private readonly pool: SnowflakePool;
  private readonly timeoutMs: number;
  private readonly context: { database: string; schema: string; warehouse: string };
  private closed = false;

  /** Reads and decrypts the private key, configures the driver's logger and creates the (lazy) pool. */
  constructor(options: SnowflakeWarehouseOptions) {
    const sdk: SnowflakeSdk = options.sdk ?? snowflake;
    sdk.configure({ logLevel: 'WARN', customLogger: options.driverLogger ?? stderrLogger });
    this.timeoutMs = options.timeoutMs;
    for (const [name, value] of Object.entries({
      database: options.database,
      schema: options.schema,
      warehouse: options.warehouse,
    })) {
      if (!SNOWFLAKE_IDENTIFIER.test(value)) {
        throw new WarehouseError('unavailable', `Snowflake ${name} must be an unquoted identifier`);
      }
    }
    this.context = { database: options.database, schema: options.schema, warehouse: options.warehouse };
    this.namespace = `${options.database}.${options.schema}`.toUpperCase();
    this.pool = sdk.createPool(buildConnectionOptions(options), {
      max: options.poolMax,
      min: 0,
      evictionRunIntervalMillis: 60_000,
      idleTimeoutMillis: IDLE_CONNECTION_MS,
    });
  }

  /**
   * Creates the warehouse from the `snowflake` warehouse configuration. Key problems fail here; connections
   * are opened lazily by the pool, so an unreachable account surfaces on the first query or `ping()`.
   */
  static async open(options: SnowflakeWarehouseOptions): Promise<SnowflakeWarehouse> {
    return new SnowflakeWarehouse(options);
  }

  async query<Row extends Record<string, unknown>>(
    sql: string,
    params: readonly SqlParam[] = [],
    options: WarehouseQueryOptions = {},
  ): Promise<WarehouseResult<Row>> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const connection = await this.acquire(timeoutMs);
    const remainingMs = Math.max(1, timeoutMs - (performance.now() - started));
    const pending = this.execute(connection, sql, params, timeoutMs);
    const outcome = await raceTimer(pending.completion, remainingMs);
    if (outcome === 'timed-out') {
      this.abandon(connection, pending);
      throw new WarehouseError('timeout', `warehouse query exceeded ${timeoutMs} ms`);
    }
    const { error, statement, rows } = outcome;
    if (error || !statement) {
      const failure = classifySnowflakeError(error);
      await this.giveBack(connection, failure === 'unavailable');
      throw new WarehouseError(failure, `warehouse query failed: ${explain(error)}`, { cause: error });
    }
    await this.giveBack(connection, false);
    return {
      rows: normaliseRows<Row>(statement.getColumns() ?? [], rows ?? []),
      queryId: statement.getQueryId(),
      elapsedMs: performance.now() - started,
    };
  }

  /**
   * Readiness without spending credits: the session's `CURRENT_WAREHOUSE()`, `CURRENT_DATABASE()` and
   * `CURRENT_SCHEMA()` (NULL when the object is missing or the role lacks USAGE on it), then the configured
   * warehouse's state from `SHOW WAREHOUSES` (down when suspended with auto-resume off). Both run in cloud
   * services, so a probe never resumes the warehouse or keeps it from auto-suspending.
   */
  async ping(): Promise<void> {
    const started = performance.now();
    const budgetMs = Math.min(this.timeoutMs, 5_000);
    const remaining = () => ({ timeoutMs: Math.max(1, budgetMs - (performance.now() - started)) });
    const { rows } = await this.query<{
      warehouse: string | null;
      database: string | null;
      schema: string | null;
    }>(
      'SELECT CURRENT_WAREHOUSE() AS warehouse, CURRENT_DATABASE() AS database, CURRENT_SCHEMA() AS schema',
      [],
      remaining(),
    );
    const session = rows[0];
    for (const name of ['warehouse', 'database', 'schema'] as const) {
      if (!session?.[name]) {
        throw new WarehouseError(
          'unavailable',
          `Snowflake ${name} ${this.context[name].toUpperCase()} does not exist or the role has no USAGE on it`,
        );
      }
    }
    const warehouse = this.context.warehouse.toUpperCase();
    const { rows: warehouses } = await this.query<{ name: string; state: string; auto_resume: string }>(
      `SHOW WAREHOUSES LIKE '${warehouse}'`,
      [],
      remaining(),
    );
    const described = warehouses.find((row) => String(row.name).toUpperCase() === warehouse);
    if (!described) {
      throw new WarehouseError('unavailable', `Snowflake warehouse ${warehouse} is not visible to the role`);
    }
    if (String(described.state).toUpperCase() === 'SUSPENDED' && String(described.auto_resume) !== 'true') {
      throw new WarehouseError(
        'unavailable',
        `Snowflake warehouse ${warehouse} is suspended and AUTO_RESUME is off`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.drain();
    await this.pool.clear();
  }

  private async acquire(timeoutMs: number): Promise<Connection> {
    if (this.closed) throw new WarehouseError('unavailable', 'warehouse is closed');
    const acquiring = Promise.resolve(this.pool.acquire());
    let outcome: Connection | 'timed-out';
    try {
      outcome = await raceTimer(acquiring, timeoutMs);
    } catch (error) {
      throw new WarehouseError('unavailable', `could not connect to Snowflake: ${explain(error)}`, {
        cause: error,
      });
    }
    if (outcome === 'timed-out') {
      void acquiring.then(
        (connection) => this.pool.release(connection),
        () => undefined,
      );
      throw new WarehouseError('unavailable', `no Snowflake connection available within ${timeoutMs} ms`);
    }
    return outcome;
  }

  private execute(
    connection: Connection,
    sql: string,
    params: readonly SqlParam[],
    timeoutMs: number,
  ): PendingStatement {
    let statement: RowStatement | undefined;
    const completion = new Promise<Completion>((resolve) => {
      try {
        statement = connection.execute({
          sqlText: sql,
          ...(params.length > 0 ? { binds: [...params] } : {}),
          parameters: { STATEMENT_TIMEOUT_IN_SECONDS: Math.max(1, Math.ceil(timeoutMs / 1000)) },
          rowMode: 'array',
          complete: (error, completed, rows) => resolve({ error, statement: completed, rows }),
        });
      } catch (error) {
        resolve({ error: error as SnowflakeError, statement: undefined, rows: undefined });
      }
    });
    return { completion, cancel: () => statement?.cancel(() => undefined) };
  }

  /** After a client-side timeout: abort the statement, and recycle the connection once it settles. */
  private abandon(connection: Connection, pending: PendingStatement): void {
    pending.cancel();
    void raceTimer(pending.completion, CANCEL_GRACE_MS).then((outcome) =>
      this.giveBack(
        connection,
        outcome === 'timed-out' || classifySnowflakeError(outcome.error) === 'unavailable',
      ),
    );
  }

  private async giveBack(connection: Connection, broken: boolean): Promise<void> {
    try {
      if (broken) await this.pool.destroy(connection);
      else await this.pool.release(connection);
    } catch {
      // The pool already forgot this connection (drained or destroyed); nothing to return.
    }
  }
}

/**
 * Classifies a driver error: statement timeouts and cancellations are `timeout`; authentication, session,
 * network and connection-state failures are `unavailable`; anything else (SQL compilation, runtime) is
 * `query`.
 */
export function classifySnowflakeError(error: unknown): WarehouseFailure {
  if (error === undefined || error === null) return 'query';
  const { code, sqlState, message, causeCode } = errorFacts(error);
  const numeric =
    typeof code === 'number' ? code : /^\d+$/.test(String(code ?? '')) ? Number(code) : undefined;
  if ((numeric !== undefined && TIMEOUT_CODES.has(numeric)) || sqlState === '57014') return 'timeout';
  if (sqlState?.startsWith('08') || sqlState === '57P03') return 'unavailable';
  if (causeCode !== undefined && NETWORK_ERROR_CODES.has(causeCode)) return 'unavailable';
  if (numeric !== undefined) return isUnavailableCode(numeric) ? 'unavailable' : 'query';
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return 'unavailable';
  return UNAVAILABLE_MESSAGE.test(message) ? 'unavailable' : 'query';
}

/** 390xxx: login and session errors from Snowflake; 401xxx-407xxx: the driver's network and connection errors. */
function isUnavailableCode(code: number): boolean {
  return (code >= 390_000 && code < 391_000) || (code >= 401_000 && code < 408_000);
}

/**
 * Reads the key-pair private key (PEM text or file) and returns it as an unencrypted PKCS#8 PEM, decrypting
 * it with the passphrase when it is encrypted. The key material never appears in an error message.
 */
export function loadPrivateKey(
  source: Pick<SnowflakeWarehouseConfig, 'privateKey' | 'privateKeyPath' | 'privateKeyPassphrase'>,
): string {
  let pem: string;
  if (source.privateKey) pem = source.privateKey.replaceAll('\\n', '\n');
  else if (source.privateKeyPath) {
    try {
      pem = readFileSync(source.privateKeyPath, 'utf8');
    } catch (error) {
      throw new WarehouseError(
        'unavailable',
        `cannot read the Snowflake private key file ${source.privateKeyPath}`,
        {
          cause: error,
        },
      );
    }
  } else
    throw new WarehouseError('unavailable', 'no Snowflake private key configured (key-pair authentication)');
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase: source.privateKeyPassphrase })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
  } catch {
    throw new WarehouseError(
      'unavailable',
      'the Snowflake private key could not be decoded: not a PEM private key, or a wrong or missing passphrase',
    );
  }
}

/** The driver connection options computed from the configuration (exported for inspection in tests). */
export function buildConnectionOptions(options: SnowflakeWarehouseOptions): ConnectionOptions {
  return {
    account: options.account,
    username: options.username,
    authenticator: 'SNOWFLAKE_JWT',
    database: options.database,
    schema: options.schema,
    warehouse: options.warehouse,
    ...(options.role ? { role: options.role } : {}),
    jsTreatIntegerAsBigInt: false,
    sfRetryMaxLoginRetries: LOGIN_RETRIES,
    ...options.connectionOptions,
    privateKey: loadPrivateKey(options),
  };
}

/** Converts driver rows (array mode) to the port's row contract using the result's column metadata. */
export function normaliseRows<Row>(columns: readonly Column[], rows: readonly unknown[][]): Row[] {
  const names = columns.map((column) => column.getName().toLowerCase());
  return rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < columns.length; index += 1) {
      row[names[index] as string] = normaliseValue(columns[index] as Column, values[index]);
    }
    return row as Row;
  });
}

function normaliseValue(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (column.isNumber()) return typeof value === 'number' ? value : Number(String(value));
  if (value instanceof Date) {
    if (column.isDate()) return value.toISOString().slice(0, 10);
    if (column.isTimestampTz()) return wallClockAtOffset(value);
    return value.toISOString().slice(0, 19);
  }
  return value;
}

function wallClockAtOffset(value: Date): string {
  const timezone = (value as Date & { getTimezone?: () => unknown }).getTimezone?.();
  const offsetMinutes = typeof timezone === 'number' ? timezone : 0;
  return new Date(value.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
}

function errorFacts(error: unknown): {
  code: unknown;
  sqlState: string | undefined;
  message: string;
  causeCode: string | undefined;
} {
  if (typeof error !== 'object' || error === null) {
    return { code: undefined, sqlState: undefined, message: String(error), causeCode: undefined };
  }
  const record = error as { code?: unknown; sqlState?: unknown; message?: unknown; cause?: unknown };
  const cause = record.cause as { code?: unknown } | undefined;
  return {
    code: record.code,
    sqlState: typeof record.sqlState === 'string' ? record.sqlState : undefined,
    message: typeof record.message === 'string' ? record.message : String(error),
    causeCode: typeof cause?.code === 'string' ? cause.code : undefined,
  };
}

function explain(error: unknown): string {
  const { code, message } = errorFacts(error);
  return code === undefined ? message : `${message} (${String(code)})`;
}

function raceTimer<T>(work: PromiseLike<T>, ms: number): Promise<T | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), ms);
  });
  return Promise.race([Promise.resolve(work), expiry]).finally(() => clearTimeout(timer));
}
