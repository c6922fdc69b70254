import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Suites that touch Postgres. They run twice: on the embedded PGlite (project `pglite`, with everything
 * else) and on the machine's real PostgreSQL 15 + pgvector 0.8.0 (project `postgres`), each file in
 * scratch databases of its own that are dropped afterwards.
 */
const POSTGRES_SUITES = [
  'test/integration/forecast/forecast.test.ts',
  'test/integration/foundation/app.test.ts',
  'test/integration/foundation/migrations.test.ts',
  'test/integration/foundation/shutdown.test.ts',
  'test/integration/insights/insights.test.ts',
  'test/integration/insights/volve.test.ts',
  'test/integration/keys/auth.test.ts',
  'test/integration/ops/metrics.test.ts',
  'test/integration/ops/openapi.test.ts',
  'test/integration/rag/explain.test.ts',
  'test/integration/rag/index.test.ts',
];

export default defineConfig({
  resolve: {
    alias: { 'datalive-api/langchain': fileURLToPath(new URL('./src/langchain/index.ts', import.meta.url)) },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'pglite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: POSTGRES_SUITES,
          env: { DATALIVE_TEST_DATABASE: 'postgres' },
          globalSetup: ['test/support/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
