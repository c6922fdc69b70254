import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import type { Warehouse } from '../../../src/ports/warehouse.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';
const NAMESPACE = 'DB_QA.REPORTING';

/**
 * `SNOWFLAKE_DATABASE=DB_QA`, `SNOWFLAKE_SCHEMA=REPORTING`: the demo tables are moved into an attached
 * DuckDB database `db_qa`, schema `reporting`, and `analytics` is dropped, so a statement that still
 * hard-codes `analytics.` fails; every statement sent is also recorded and checked by name.
 */
describe(`every insights operation names the configured namespace (${NAMESPACE})`, () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let key: string;
  const statements: string[] = [];

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    const { rows } = await stores.warehouse.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics' ORDER BY 1",
    );
    expect(rows.map((row) => row.table_name)).toContain('load_metadata');
    await stores.warehouse.execute("ATTACH ':memory:' AS db_qa");
    await stores.warehouse.execute('CREATE SCHEMA db_qa.reporting');
    for (const { table_name } of rows) {
      await stores.warehouse.execute(
        `CREATE TABLE db_qa.reporting.${table_name} AS SELECT * FROM analytics.${table_name}`,
      );
    }
    await stores.warehouse.execute('DROP SCHEMA analytics CASCADE');

    const inner = stores.warehouse;
    const namespaced: Warehouse = {
      kind: 'duckdb',
      namespace: NAMESPACE,
      query(sql, params, options) {
        statements.push(sql);
        return inner.query(sql, params, options);
      },
      ping: () => inner.ping(),
      close: async () => {},
    };
    ({ services, app } = await buildTestApp({ db: stores.db, warehouse: namespaced }));
    key = (await services.keys.create({ name: 'bi', scopes: ['insights:read'], rateTier: 'premium' }))
      .plaintext;
  });

  afterAll(async () => {
    await services?.close();
    await stores?.warehouse.close();
  });

  it.each([
    '/insights',
    '/insights/daily?from=2025-06-10&to=2025-06-14&site=SITE-B',
    '/insights/daily?date=2025-06-14&format=csv',
    '/insights/variance?date=2025-06-14&by=site',
    '/insights/variance?date=2025-06-14&by=cause',
    '/insights/anomalies?from=2025-05-01&to=2025-06-14',
    '/insights/digest?date=2025-06-14',
    '/insights/forecast?site=SITE-A&horizon=7',
    '/insights/forecast?asset=WELL-B02&product=oil&source=builtin&horizon=7',
  ])('%s', async (path) => {
    const before = statements.length;
    const response = await app.request(path, { headers: { 'X-API-Key': key } });
    expect(response.status, await response.clone().text()).toBe(200);
    const sent = statements.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const sql of sent) {
      expect(sql).not.toMatch(/\banalytics\./i);
      expect(sql).toMatch(/\bDB_QA\.REPORTING\.[a-z_]+/);
    }
  });

  it('read the catalog and its data version from the configured namespace', () => {
    expect(statements.some((sql) => sql.includes(`${NAMESPACE}.load_metadata`))).toBe(true);
    expect(statements.some((sql) => sql.includes(`${NAMESPACE}.production_daily`))).toBe(true);
  });
});
