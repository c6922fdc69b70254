import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import snowflake, { type ConnectionOptions, type SnowflakeLogger } from 'snowflake-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  type SnowflakePoolOptions,
  type SnowflakeSdk,
  SnowflakeWarehouse,
  type SnowflakeWarehouseOptions,
} from '../../../src/adapters/snowflake/snowflake-warehouse.js';
import { WarehouseError } from '../../../src/ports/warehouse.js';
import {
  type FakeReply,
  type FakeSnowflake,
  oneRow,
  startFakeSnowflake,
  wire,
} from '../../support/fake-snowflake.js';

const PASSPHRASE = 'correct horse battery staple';
const keyPair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
});
const strangerKeyPair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
});

let fake: FakeSnowflake;
let reply: (sqlText: string) => FakeReply = () => oneRow();
const driverLog: string[] = [];
const driverLogger: SnowflakeLogger = {
  error: (message) => driverLog.push(message),
  warn: (message) => driverLog.push(message),
  info: (message) => driverLog.push(message),
  debug: (message) => driverLog.push(message),
  trace: (message) => driverLog.push(message),
};
const opened: SnowflakeWarehouse[] = [];

beforeAll(async () => {
  fake = await startFakeSnowflake({ publicKey: keyPair.publicKey, onQuery: (query) => reply(query.sqlText) });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((warehouse) => warehouse.close()));
  fake.logins.length = 0;
  fake.queries.length = 0;
  fake.aborts.length = 0;
  reply = () => oneRow();
});

afterAll(async () => {
  await fake.close();
});

function options(overrides: Partial<SnowflakeWarehouseOptions> = {}): SnowflakeWarehouseOptions {
  return {
    account: 'acme-prod_eu',
    username: 'datalive_svc',
    role: 'DATALIVE_READER',
    database: 'DB_QA',
    schema: 'ANALYTICS',
    warehouse: 'DATALIVE_WH',
    privateKey: keyPair.privateKey,
    privateKeyPath: undefined,
    privateKeyPassphrase: PASSPHRASE,
    poolMax: 3,
    timeoutMs: 5_000,
    connectionOptions: { accessUrl: fake.url },
    driverLogger,
    ...overrides,
  };
}

function open(overrides: Partial<SnowflakeWarehouseOptions> = {}): SnowflakeWarehouse {
  const warehouse = new SnowflakeWarehouse(options(overrides));
  opened.push(warehouse);
  return warehouse;
}

/** Wraps the real driver so the options the adapter hands it can be inspected. */
function recordingSdk() {
  const calls: {
    connectionOptions?: ConnectionOptions;
    poolOptions?: SnowflakePoolOptions;
    logLevel?: string;
  } = {};
  const sdk: SnowflakeSdk = {
    configure: (configuration) => {
      calls.logLevel = configuration.logLevel;
      snowflake.configure(configuration);
    },
    createPool: (connectionOptions, poolOptions) => {
      calls.connectionOptions = connectionOptions;
      calls.poolOptions = poolOptions;
      return snowflake.createPool(connectionOptions, poolOptions);
    },
  };
  return { sdk, calls };
}

async function failureOf(work: Promise<unknown>): Promise<WarehouseError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WarehouseError);
  return error as WarehouseError;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('configuration handed to snowflake-sdk', () => {
  test('key-pair auth with the decrypted key, session context from config, pool bounded by poolMax', async () => {
    const { sdk, calls } = recordingSdk();
    const warehouse = open({ sdk });
    await warehouse.ping();

    const connection = calls.connectionOptions;
    expect(connection).toMatchObject({
      account: 'acme-prod_eu',
      username: 'datalive_svc',
      authenticator: 'SNOWFLAKE_JWT',
      database: 'DB_QA',
      schema: 'ANALYTICS',
      warehouse: 'DATALIVE_WH',
      role: 'DATALIVE_READER',
      jsTreatIntegerAsBigInt: false,
      accessUrl: fake.url,
    });
    expect(connection?.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(connection?.privateKey).not.toContain('ENCRYPTED');
    expect(connection).not.toHaveProperty('privateKeyPass');
    const derivedPublicKey = createPublicKey(connection?.privateKey as string).export({
      type: 'spki',
      format: 'pem',
    });
    expect(derivedPublicKey).toBe(keyPair.publicKey);
    expect(calls.poolOptions).toMatchObject({ max: 3, min: 0 });
    expect(calls.logLevel).toBe('WARN');
  });

  test('the fake accepts the login only with a JWT signed by that key, and sees the session context', async () => {
    await open().ping();

    expect(fake.logins).toHaveLength(1);
    const login = fake.logins[0];
    expect(login).toMatchObject({
      accountName: 'acme-prod_eu',
      loginName: 'datalive_svc',
      authenticator: 'SNOWFLAKE_JWT',
      jwtVerified: true,
    });
    expect(login?.search).toMatchObject({
      warehouse: 'DATALIVE_WH',
      databaseName: 'DB_QA',
      schemaName: 'ANALYTICS',
      roleName: 'DATALIVE_READER',
    });
    expect(login?.jwtClaims?.sub).toBe('ACME-PROD_EU.DATALIVE_SVC');
  });

  test('reads an encrypted key from privateKeyPath', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'snowflake-key-'));
    try {
      const keyPath = path.join(directory, 'rsa_key.p8');
      writeFileSync(keyPath, keyPair.privateKey, { mode: 0o600 });
      await open({ privateKey: undefined, privateKeyPath: keyPath }).ping();
      expect(fake.logins.map((login) => login.jwtVerified)).toEqual([true]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a wrong passphrase fails fast as unavailable without echoing the key or the passphrase', () => {
    const attempt = () => new SnowflakeWarehouse(options({ privateKeyPassphrase: 'not the passphrase' }));
    expect(attempt).toThrow(WarehouseError);
    try {
      attempt();
    } catch (error) {
      const failure = error as WarehouseError;
      expect(failure.failure).toBe('unavailable');
      expect(failure.message).toMatch(/private key could not be decoded/);
      expect(failure.message).not.toContain('not the passphrase');
      expect(failure.message).not.toContain('PRIVATE KEY');
    }
    expect(fake.logins).toHaveLength(0);
  });

  test('the driver log never carries the passphrase, the key or bind values', async () => {
    driverLog.length = 0;
    const warehouse = open();
    await warehouse.query('SELECT * FROM t WHERE site = ?', ['Secret Site 42']);
    reply = () => ({ kind: 'error', code: '002003', message: 'SQL compilation error', sqlState: '42S02' });
    await warehouse.query('SELECT * FROM t WHERE site = ?', ['Secret Site 42']).catch(() => undefined);
    await open({ privateKey: strangerKeyPair.privateKey })
      .query('SELECT ?', ['Secret Site 42'])
      .catch(() => undefined);

    const everything = driverLog.join('\n');
    expect(everything).toContain('JWT token is invalid');
    expect(everything).not.toContain(PASSPHRASE);
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain('Secret Site 42');
  });
});

describe('statements sent', () => {
  test('SQL text travels verbatim with ? placeholders; values only as typed binds', async () => {
    const sql =
      'SELECT site_id FROM daily_production WHERE site_id = ? AND volume > ? AND ratio < ? AND ok = ? AND note IS ?';
    const hostile = "B'; DROP TABLE daily_production; --";
    await open().query(sql, [hostile, 42, 1.5, true, null]);

    const sent = fake.queries.at(-1);
    expect(sent?.sqlText).toBe(sql);
    expect(sent?.sqlText).not.toContain('DROP');
    expect(sent?.bindings).toEqual({
      '1': { type: 'TEXT', value: hostile },
      '2': { type: 'FIXED', value: '42' },
      '3': { type: 'REAL', value: '1.5' },
      '4': { type: 'BOOLEAN', value: 'true' },
      '5': { type: 'TEXT', value: null },
    });
  });

  test('no bindings object without params; the statement timeout rides along in seconds', async () => {
    const warehouse = open({ timeoutMs: 2_500 });
    await warehouse.query('SELECT 1');
    await warehouse.query('SELECT 1', [], { timeoutMs: 61_000 });

    expect(fake.queries.map((query) => query.bindings)).toEqual([undefined, undefined]);
    expect(fake.queries.map((query) => query.parameters)).toEqual([
      { STATEMENT_TIMEOUT_IN_SECONDS: 3 },
      { STATEMENT_TIMEOUT_IN_SECONDS: 61 },
    ]);
  });

  test('ping probes the session context and the warehouse state on a pooled session; the query id is Snowflake’s', async () => {
    reply = () => ({ ...oneRow(), queryId: '01b5d2f0-0000-4f2a-0000-000123450001' });
    const warehouse = open();
    await warehouse.ping();
    const result = await warehouse.query('SELECT 1');

    expect(fake.queries.map((query) => query.sqlText)).toEqual([
      'SELECT CURRENT_WAREHOUSE() AS warehouse, CURRENT_DATABASE() AS database, CURRENT_SCHEMA() AS schema',
      "SHOW WAREHOUSES LIKE 'DATALIVE_WH'",
      'SELECT 1',
    ]);
    expect(result.queryId).toBe('01b5d2f0-0000-4f2a-0000-000123450001');
    expect(fake.logins).toHaveLength(1);
    expect(new Set(fake.queries.map((query) => query.sessionToken)).size).toBe(1);
  });

  test('concurrent queries open at most poolMax sessions, and close() deletes them', async () => {
    reply = () => ({ ...oneRow(), delayMs: 30 });
    const deletesBefore = fake.sessionDeletes();
    const warehouse = await SnowflakeWarehouse.open(options({ poolMax: 2 }));
    const results = await Promise.all(Array.from({ length: 5 }, () => warehouse.query('SELECT 1')));
    await warehouse.close();

    expect(results).toHaveLength(5);
    expect(fake.logins).toHaveLength(2);
    expect(fake.sessionDeletes() - deletesBefore).toBe(2);
    await expect(warehouse.query('SELECT 1')).rejects.toMatchObject({ failure: 'unavailable' });
  });
});

describe('row normalisation', () => {
  test('lower-case keys, DATE and TIMESTAMP as strings, NUMBER as numbers, NULL as null', async () => {
    reply = () => ({
      kind: 'rows',
      columns: [
        { name: 'SITE_ID', type: 'text' },
        { name: 'DAY', type: 'date' },
        { name: 'VOLUME', type: 'fixed', scale: 2, precision: 18 },
        { name: 'UNITS', type: 'fixed' },
        { name: 'RATIO', type: 'real' },
        { name: 'RECORDED_AT', type: 'timestamp_ntz' },
        { name: 'SEEN_AT', type: 'timestamp_tz' },
        { name: 'LOADED_AT', type: 'timestamp_ltz' },
        { name: 'IS_PLANNED', type: 'boolean' },
        { name: 'NOTE', type: 'text' },
      ],
      rows: [
        [
          'SITE_B',
          wire.date('2024-06-01'),
          '1234.50',
          '42',
          '0.125',
          wire.timestamp('2024-06-01T06:30:00'),
          wire.timestampTz('2024-06-01T06:30:00', 120),
          wire.timestamp('2024-06-01T06:30:00'),
          '1',
          null,
        ],
        [
          'SITE_C',
          wire.date('1999-12-31'),
          '-0.01',
          '9007199254740991',
          '1e-3',
          wire.timestamp('1999-12-31T23:59:59'),
          wire.timestampTz('1999-12-31T23:00:00', -300),
          wire.timestamp('1999-12-31T23:59:59'),
          '0',
          'after shutdown',
        ],
      ],
    });
    const { rows } = await open().query('SELECT * FROM daily_production');

    expect(rows).toEqual([
      {
        site_id: 'SITE_B',
        day: '2024-06-01',
        volume: 1234.5,
        units: 42,
        ratio: 0.125,
        recorded_at: '2024-06-01T06:30:00',
        seen_at: '2024-06-01T08:30:00',
        loaded_at: '2024-06-01T06:30:00',
        is_planned: true,
        note: null,
      },
      {
        site_id: 'SITE_C',
        day: '1999-12-31',
        volume: -0.01,
        units: 9007199254740991,
        ratio: 0.001,
        recorded_at: '1999-12-31T23:59:59',
        seen_at: '1999-12-31T18:00:00',
        loaded_at: '1999-12-31T23:59:59',
        is_planned: false,
        note: 'after shutdown',
      },
    ]);
    expect(typeof rows[0]?.units).toBe('number');
  });

  test('an empty result is an empty array', async () => {
    reply = () => ({ kind: 'rows', columns: [{ name: 'SITE_ID', type: 'text' }], rows: [] });
    const result = await open().query('SELECT site_id FROM sites WHERE 1 = 0');
    expect(result.rows).toEqual([]);
  });
});

describe('error mapping', () => {
  test('SQL compilation errors (002003, 001003) are query failures carrying the Snowflake code', async () => {
    const warehouse = open();
    reply = () => ({
      kind: 'error',
      code: '002003',
      sqlState: '42S02',
      message: "SQL compilation error:\nObject 'DAILY_PRODUCTIN' does not exist or not authorized.",
    });
    const missing = await failureOf(warehouse.query('SELECT * FROM daily_productin'));
    expect(missing.failure).toBe('query');
    expect(missing.message).toContain('does not exist or not authorized');
    expect(missing.cause).toMatchObject({ code: '002003', sqlState: '42S02' });

    reply = () => ({
      kind: 'error',
      code: '001003',
      sqlState: '42000',
      message: "SQL compilation error:\nsyntax error line 1 at position 7 unexpected 'FROM'.",
    });
    expect((await failureOf(warehouse.query('SELECT FROM'))).failure).toBe('query');
  });

  test('Snowflake statement timeout (000630) is a timeout', async () => {
    reply = () => ({
      kind: 'error',
      code: '000630',
      sqlState: '57014',
      message: 'Statement reached its statement or warehouse timeout of 5 second(s) and was canceled.',
    });
    expect((await failureOf(open().query('SELECT heavy()'))).failure).toBe('timeout');
  });

  test('the client timer aborts a statement that outlives the timeout, and the session is reused', async () => {
    reply = (sqlText) => (sqlText.includes('SLOW') ? { kind: 'hang' } : oneRow());
    const warehouse = open({ poolMax: 1 });

    const failure = await failureOf(warehouse.query('SELECT SLOW', [], { timeoutMs: 200 }));
    expect(failure.failure).toBe('timeout');
    expect(failure.message).toContain('200 ms');
    const slow = fake.queries.find((query) => query.sqlText === 'SELECT SLOW');
    await vi.waitFor(() => expect(fake.aborts).toContain(slow?.requestId));

    await warehouse.query('SELECT 1');
    expect(fake.logins).toHaveLength(1);
  });

  test('a rejected JWT (390144) is unavailable', async () => {
    const failure = await failureOf(open({ privateKey: strangerKeyPair.privateKey }).query('SELECT 1'));
    expect(failure.failure).toBe('unavailable');
    expect(failure.message).toContain('JWT token is invalid');
    expect(fake.logins.map((login) => login.jwtVerified)).toEqual([false]);
    expect(fake.queries).toHaveLength(0);
  });

  test('a refused connection is unavailable', async () => {
    const port = await closedPort();
    const warehouse = open({
      connectionOptions: { accessUrl: `http://127.0.0.1:${port}`, sfRetryMaxLoginRetries: 0 },
    });
    const failure = await failureOf(warehouse.query('SELECT 1'));
    expect(failure.failure).toBe('unavailable');
    expect(failure.message).toMatch(/ECONNREFUSED|Network error/);
  });
});
