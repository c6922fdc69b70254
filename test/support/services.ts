import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import type { Database } from '../../src/adapters/postgres/database.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildServices, type ServiceOverrides, type Services } from '../../src/services.js';
import { openTestDatabase } from './postgres.js';

/** A fresh temporary directory for one test file. */
export const tempDir = (prefix = 'datalive-test-'): string => mkdtempSync(path.join(tmpdir(), prefix));

/** Environment for tests: embedded everything, silent logs, no demo seeding unless asked. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    DATALIVE_ENV: 'dev',
    DATALIVE_DATA_DIR: tempDir(),
    DATALIVE_STATE_DIR: tempDir('datalive-state-'),
    LOG_LEVEL: 'silent',
    SEED_DEMO: '0',
    READINESS_CACHE_MS: '0',
    API_KEY_PEPPER: 'test-pepper-0123456789abcdef0123456789',
    ...extra,
  };
}

/** The test database (in-memory PGlite, or a scratch database on real PostgreSQL) and in-memory DuckDB. */
export interface TestStores {
  db: Database;
  warehouse: DuckDbWarehouse;
}

/**
 * Opens the stores a suite shares: PGlite with pgvector (project `pglite`) or a scratch database on the
 * real PostgreSQL + pgvector (project `postgres`), and an in-memory DuckDB.
 */
export async function openTestStores(): Promise<TestStores> {
  const [db, warehouse] = await Promise.all([
    openTestDatabase(),
    openDuckDbWarehouse({ path: ':memory:', timeoutMs: 5_000 }),
  ]);
  return { db, warehouse };
}

/** Builds services (migrated) and the app over the given stores. */
export async function buildTestApp(
  stores: ServiceOverrides,
  env: Record<string, string> = {},
  logger: Logger = createLogger('silent'),
): Promise<{ services: Services; app: ReturnType<typeof createApp> }> {
  const config = loadConfig(testEnv(env));
  const services = await buildServices(config, logger, stores);
  return { services, app: createApp(services) };
}

/** A logger that keeps every line it writes, to assert what reaches the logs. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}
