import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import { type Database, openDatabase } from '../../src/adapters/postgres/database.js';
import { PGliteWireServer } from '../../src/adapters/postgres/pglite-wire-server.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { DEMO_DOCUMENT_DIRS, type Services } from '../../src/services.js';
import { buildTestApp } from '../support/services.js';
import { freePort } from '../support/throwaway-redis.js';
import { eventually, HIGH_LIMITS, TcpProxy } from './helpers.js';

const END_DATE = '2025-06-15';
/** Readiness bounds each check to 2 s; allow that plus a margin. */
const READINESS_BOUND_MS = 2_000 + 1_500;

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
interface Readiness {
  status: string;
  dependencies: Array<{ name: string; status: string; error?: string }>;
}

/**
 * The database sits behind a TCP proxy the test controls. Behind the proxy is a real Postgres
 * wire-protocol server with pgvector, which the migrations need (PGlite's socket server, independent of
 * the machine's PostgreSQL); in front of it, the app uses the production adapter (`openDatabase` in
 * external mode: a pg.Pool with a 5 s connection timeout), so what is exercised is how that pool loses
 * and regains its server.
 */
describe('database unreachable mid-run (pg.Pool through a TCP proxy that cuts and restores)', () => {
  let pglite: PGlite;
  let socketServer: PGliteWireServer;
  let proxy: TcpProxy;
  let db: Database;
  let duck: DuckDbWarehouse;
  let services: Services;
  let app: App;
  let key: string;

  beforeAll(async () => {
    pglite = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
    const port = await freePort();
    socketServer = new PGliteWireServer(pglite, { listen: { host: '127.0.0.1', port }, maxConnections: 4 });
    await socketServer.start();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port });
    db = await openDatabase({
      mode: 'external',
      url: `postgres://postgres@${proxy.url}/postgres`,
      poolMax: 1,
      migrateOnStart: true,
    });
    duck = await openDuckDbWarehouse({ path: ':memory:', timeoutMs: 5_000 });
    await seedDemoData(duck, { endDate: END_DATE });
    ({ services, app } = await buildTestApp(
      { db, warehouse: duck },
      { RATE_LIMIT_OVERRIDES: HIGH_LIMITS, KEY_CACHE_TTL_MS: '30000' },
    ));
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
    key = (
      await services.keys.create({
        name: 'db',
        scopes: ['insights:read', 'rag:explain'],
        rateTier: 'premium',
      })
    ).plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await proxy?.set('forward');
    await db?.close();
    await proxy?.close();
    await socketServer?.stop();
    await pglite?.close();
    await duck?.close();
  });

  const readiness = async () => {
    const started = performance.now();
    const response = await app.request('/health/ready');
    const text = await response.text();
    return {
      status: response.status,
      text,
      report: JSON.parse(text) as Readiness,
      ms: performance.now() - started,
    };
  };
  const dependency = (report: Readiness, name: string) =>
    report.dependencies.find((candidate) => candidate.name === name)?.status;
  const search = () =>
    app.request('/rag/search', {
      method: 'POST',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'compressor trip', top_k: 3 }),
    });
  const daily = () => app.request(`/insights/daily?date=${END_DATE}`, { headers: { 'X-API-Key': key } });

  it.each([
    ['refused (server gone)', 'refuse'],
    ['blackholed (connections hang)', 'blackhole'],
  ] as const)(
    'turns readiness 503 while the database is %s, and 200 again after restore without a restart',
    async (_, mode) => {
      expect((await readiness()).status).toBe(200);
      expect((await search()).status).toBe(200);

      await proxy.set(mode);
      try {
        const down = await readiness();
        expect(down.status).toBe(503);
        expect(down.ms).toBeLessThan(READINESS_BOUND_MS);
        expect(down.report.status).toBe('not_ready');
        expect(dependency(down.report, 'database')).toBe('down');
        expect(dependency(down.report, 'warehouse')).toBe('up');
        expect(down.text).not.toContain('postgres://');

        expect((await app.request('/health')).status).toBe(200);
        const insights = await daily();
        expect(insights.status, 'insights need no database once the key is verified (cache)').toBe(200);

        const started = performance.now();
        const failed = await search();
        const failedMs = performance.now() - started;
        expect(failed.headers.get('content-type')).toBe('application/problem+json');
        expect(failed.status, await failed.clone().text()).toBe(503);
        expect(((await failed.json()) as { code: string }).code).toBe('dependency_unavailable');
        expect(failedMs).toBeLessThan(5_000 + 1_500);
      } finally {
        await proxy.set('forward');
      }

      const back = await eventually(async () => {
        const report = await readiness();
        return report.status === 200 ? report : undefined;
      }, 10_000);
      expect(dependency(back.report, 'database')).toBe('up');
      expect(dependency(back.report, 'vector_extension')).toBe('up');
      expect((await search()).status).toBe(200);
    },
  );
});
