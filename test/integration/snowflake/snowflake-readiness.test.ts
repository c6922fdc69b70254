import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SnowflakeWarehouse } from '../../../src/adapters/snowflake/snowflake-warehouse.js';
import { type FakeSnowflake, type FakeWarehouse, startFakeSnowflake } from '../../support/fake-snowflake.js';

const keyPair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const running: Array<{ fake: FakeSnowflake; warehouse: SnowflakeWarehouse }> = [];
afterEach(async () => {
  for (const { fake, warehouse } of running.splice(0)) {
    await warehouse.close();
    await fake.close();
  }
});

async function probe(warehouses: FakeWarehouse[] | undefined, warehouseName = 'DATALIVE_WH') {
  const fake = await startFakeSnowflake({ publicKey: keyPair.publicKey, warehouses });
  const warehouse = new SnowflakeWarehouse({
    account: 'acme-prod_eu',
    username: 'datalive_svc',
    role: 'DATALIVE_READER',
    database: 'DB_QA',
    schema: 'REPORTING',
    warehouse: warehouseName,
    privateKey: keyPair.privateKey,
    privateKeyPath: undefined,
    privateKeyPassphrase: undefined,
    poolMax: 1,
    timeoutMs: 5_000,
    connectionOptions: { accessUrl: fake.url },
    driverLogger: { error() {}, warn() {}, info() {}, debug() {}, trace() {} },
  });
  running.push({ fake, warehouse });
  const outcome = await warehouse.ping().then(
    () => 'up',
    (error: Error) => error.message,
  );
  return { outcome, fake, warehouse };
}

describe('Snowflake readiness probe (no credits: cloud-services statements only)', () => {
  it('is up when the configured warehouse is usable, even while auto-suspended', async () => {
    const { outcome, fake, warehouse } = await probe([
      { name: 'DATALIVE_WH', state: 'SUSPENDED', autoResume: true },
      { name: 'DATALIVEXWH', state: 'STARTED', autoResume: true },
    ]);
    expect(outcome).toBe('up');
    expect(warehouse.namespace).toBe('DB_QA.REPORTING');
    expect(fake.queries.map((query) => query.sqlText)).toEqual([
      'SELECT CURRENT_WAREHOUSE() AS warehouse, CURRENT_DATABASE() AS database, CURRENT_SCHEMA() AS schema',
      "SHOW WAREHOUSES LIKE 'DATALIVE_WH'",
    ]);
  });

  it('is down when the warehouse is missing or the role lacks USAGE on it', async () => {
    const { outcome } = await probe([{ name: 'OTHER_WH', state: 'STARTED', autoResume: true }]);
    expect(outcome).toBe('Snowflake warehouse DATALIVE_WH does not exist or the role has no USAGE on it');
  });

  it('is down when the warehouse is suspended and will not resume', async () => {
    const { outcome } = await probe([{ name: 'DATALIVE_WH', state: 'SUSPENDED', autoResume: false }]);
    expect(outcome).toBe('Snowflake warehouse DATALIVE_WH is suspended and AUTO_RESUME is off');
  });

  it('reads the state of exactly the configured warehouse, not of a name the LIKE pattern also matches', async () => {
    const { outcome } = await probe(
      [
        { name: 'DATALIVEXWH', state: 'SUSPENDED', autoResume: false },
        { name: 'DATALIVE_WH', state: 'STARTED', autoResume: true },
      ],
      'datalive_wh',
    );
    expect(outcome).toBe('up');
  });

  it('refuses a configured name that is not a plain identifier before any statement is built', () => {
    expect(
      () =>
        new SnowflakeWarehouse({
          account: 'a',
          username: 'u',
          role: undefined,
          database: 'DB_QA',
          schema: "X'; DROP TABLE t; --",
          warehouse: 'WH',
          privateKey: keyPair.privateKey,
          privateKeyPath: undefined,
          privateKeyPassphrase: undefined,
          poolMax: 1,
          timeoutMs: 1_000,
        }),
    ).toThrow(/schema must be an unquoted identifier/);
  });
});
