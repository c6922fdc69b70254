import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createBedrockClient } from './adapters/bedrock/client.js';
import { ConverseLlm } from './adapters/bedrock/converse-llm.js';
import { type TitanDimension, TitanEmbedder } from './adapters/bedrock/titan-embedder.js';
import { type DuckDbWarehouse, openDuckDbWarehouse } from './adapters/duckdb/duckdb-warehouse.js';
import { HashEmbedder } from './adapters/local/hash-embedder.js';
import { MemoryRateLimitStore } from './adapters/local/memory-rate-limit-store.js';
import { resolvePepper } from './adapters/local/pepper.js';
import { type Database, openDatabase } from './adapters/postgres/database.js';
import { PostgresKeyStore } from './adapters/postgres/key-store.js';
import { migrate } from './adapters/postgres/migrate.js';
import { PgRagRepository } from './adapters/postgres/rag-repository.js';
import { createRedisRateLimitStore } from './adapters/redis/redis-rate-limit-store.js';
import type { Config } from './config.js';
import type { DependencyCheck } from './domain/health.js';
import { ForecastService } from './domain/insights/forecast.js';
import { loadSemanticModel } from './domain/insights/semantic.js';
import { InsightsService } from './domain/insights/service.js';
import { KeyService } from './domain/keys/key-service.js';
import { ExplainService } from './domain/rag/explain/explain-service.js';
import { RagIndexService } from './domain/rag/index-service.js';
import { createRateLimiter, type RateLimiter } from './domain/ratelimit/limiter.js';
import { setCursorSigningSecret } from './http/delivery.js';
import {
  createMetrics,
  instrumentEmbedder,
  instrumentLlm,
  instrumentWarehouse,
  type Metrics,
} from './http/metrics.js';
import type { Embedder } from './ports/embedder.js';
import type { Llm } from './ports/llm.js';
import type { RateLimitStore } from './ports/rate-limit.js';
import type { Warehouse } from './ports/warehouse.js';

/** Everything a request can reach, built once at boot and passed to `createApp`. */
export interface Services {
  config: Config;
  logger: Logger;
  version: string;
  db: Database;
  warehouse: Warehouse;
  keys: KeyService;
  insights: InsightsService;
  forecasts: ForecastService;
  embedder: Embedder;
  /** Bedrock Converse when configured; null on the embedded default (the grounded composer answers). */
  llm: Llm | null;
  rag: RagIndexService;
  explain: ExplainService;
  rateLimitStore: RateLimitStore;
  limiter: RateLimiter;
  /** In-process store counting failed authentications per client IP (never shared, never Redis). */
  authFailureStore: RateLimitStore;
  dependencies: DependencyCheck[];
  /** Prometheus registry and recording helpers of this instance (served at `/metrics`). */
  metrics: Metrics;
  /** Releases pools and handles, in reverse order of creation. */
  close(): Promise<void>;
}

/** Demo runbooks and dashboard descriptions indexed on the embedded default's first start. */
export const DEMO_DOCUMENT_DIRS = ['runbooks', 'dashboards'].map((folder) =>
  fileURLToPath(new URL(`../data/demo/${folder}/`, import.meta.url)),
);

/** Package version, read once. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Overrides for tests: pass an already-open dependency instead of building it from config. */
export interface ServiceOverrides {
  db?: Database;
  warehouse?: Warehouse;
  rateLimitStore?: RateLimitStore;
  embedder?: Embedder;
  llm?: Llm | null;
  /** Clock for key expiry and rate limits in tests. */
  now?: () => number;
}

/** Builds every adapter from configuration. Embedded mode migrates and seeds demo data on first start. */
export async function buildServices(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Services> {
  const closers: Array<() => Promise<void>> = [];
  const metrics = createMetrics({ env: config.env });
  try {
    const db = overrides.db ?? (await openDatabase(config.database));
    if (!overrides.db) closers.push(() => db.close());
    if (config.database.migrateOnStart) {
      const report = await migrate(db.pool, {
        variables: { embedding_dimension: config.embedder.dimension },
      });
      if (report.applied.length > 0) logger.info({ applied: report.applied }, 'migrations applied');
    }

    const warehouse = instrumentWarehouse(
      overrides.warehouse ?? (await openWarehouse(config, logger)),
      metrics,
    );
    if (!overrides.warehouse) closers.push(() => warehouse.close());

    const insights = new InsightsService(warehouse, loadSemanticModel(), {
      cacheTtlMs: config.insightsCacheTtlMs,
      forecastVersion: config.forecastModelVersion,
      now: overrides.now,
    });

    const forecasts = new ForecastService(warehouse, insights, {
      cacheTtlMs: config.insightsCacheTtlMs,
      now: overrides.now,
    });

    const models = buildModels(config, overrides);
    const embedder = instrumentEmbedder(models.embedder, metrics);
    const llm = models.llm && instrumentLlm(models.llm, metrics);
    const rag = new RagIndexService(new PgRagRepository(db.pool, config.profile.ragSchema), embedder, {
      limits: config.ingestLimits,
    });
    await rag.ensureCompatible();
    metrics.setIndexSizeCollector(() => rag.countChunks());
    if (
      config.database.mode === 'embedded' &&
      config.warehouse.kind === 'duckdb' &&
      config.warehouse.seedDemo
    ) {
      if ((await rag.countChunks()) === 0) {
        const summary = await rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
        logger.info(
          { documents: summary.added, chunks: summary.chunks, seconds: summary.seconds },
          'demo documents indexed',
        );
      }
    }

    const explain = new ExplainService(insights, forecasts, rag, llm, db.pool, {
      env: config.env,
      auditRetentionDays: config.auditRetentionDays,
    });

    const pepper = resolvePepper(config.keys.pepper, config.dataDir);
    setCursorSigningSecret(pepper);
    const keys = new KeyService(new PostgresKeyStore(db.pool), {
      env: config.env,
      pepper,
      cacheTtlMs: config.keys.cacheTtlMs,
      now: overrides.now,
    });

    const rateLimitStore =
      overrides.rateLimitStore ??
      (config.rateLimit.redisUrl
        ? createRedisRateLimitStore({
            url: config.rateLimit.redisUrl,
            keyPrefix: `datalive:${config.env}:rl:`,
            timeoutMs: config.rateLimit.timeoutMs,
          })
        : new MemoryRateLimitStore());
    if (!overrides.rateLimitStore) closers.push(() => rateLimitStore.close());
    const limiter = createRateLimiter({
      store: rateLimitStore,
      timeoutMs: config.rateLimit.timeoutMs,
      failMode: config.rateLimit.failMode,
      now: overrides.now,
      onStoreError: (error, rateClass, incident) => {
        metrics.rateLimitStoreError(rateClass);
        if (incident.incidentStarted) {
          logger.warn(
            {
              failure: error.failure,
              rate_class: rateClass,
              fail_mode: config.rateLimit.failMode[rateClass],
            },
            'rate-limit store failing; applying per-class fail mode until it recovers',
          );
        }
      },
      onStoreRecovered: (recovery) =>
        logger.info(
          { failures: recovery.failures, duration_ms: recovery.durationMs },
          'rate-limit store recovered',
        ),
    });

    const dependencies: DependencyCheck[] = [
      {
        name: 'database',
        required: true,
        async check() {
          await db.pool.query('SELECT 1');
          return { mode: db.mode };
        },
      },
      {
        name: 'vector_extension',
        required: true,
        async check() {
          const { rows } = await db.pool.query<{ extversion: string }>(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
          );
          if (rows.length === 0) throw new Error('pgvector extension is not installed');
          return { version: rows[0]?.extversion ?? 'unknown' };
        },
      },
      {
        name: 'warehouse',
        required: true,
        async check() {
          await warehouse.ping();
          return { kind: warehouse.kind };
        },
      },
      {
        name: 'rate_limit_store',
        required: false,
        async check() {
          await rateLimitStore.ping();
          return { kind: config.rateLimit.redisUrl ? 'redis' : 'memory' };
        },
      },
    ];

    return {
      config,
      logger,
      version: VERSION,
      db,
      warehouse,
      keys,
      insights,
      forecasts,
      embedder,
      llm,
      rag,
      explain,
      rateLimitStore,
      limiter,
      authFailureStore: new MemoryRateLimitStore({ maxEntries: 50_000 }),
      dependencies,
      metrics,
      async close() {
        for (const close of closers.reverse()) await close().catch(() => {});
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw error;
  }
}

/** Builds the embedder and the LLM from configuration: local by default, Bedrock when configured. */
export function buildModels(
  config: Config,
  overrides: ServiceOverrides = {},
): { embedder: Embedder; llm: Llm | null } {
  const needsBedrock = config.embedder.kind === 'bedrock' || config.llm.kind === 'bedrock';
  const client = needsBedrock
    ? createBedrockClient({
        region: config.bedrock.region,
        endpoint: config.bedrock.endpoint,
        timeoutMs: config.bedrock.timeoutMs,
      })
    : undefined;
  const embedder =
    overrides.embedder ??
    (config.embedder.kind === 'bedrock' && client
      ? new TitanEmbedder({
          client,
          modelId: config.embedder.modelId,
          dimension: config.embedder.dimension as TitanDimension,
          timeoutMs: config.bedrock.timeoutMs,
        })
      : new HashEmbedder({ dimension: config.embedder.dimension }));
  const llm =
    overrides.llm !== undefined
      ? overrides.llm
      : config.llm.kind === 'bedrock' && client
        ? new ConverseLlm({ client, modelId: config.llm.modelId, timeoutMs: config.bedrock.timeoutMs })
        : null;
  return { embedder, llm };
}

async function openWarehouse(config: Config, logger: Logger): Promise<Warehouse> {
  const settings = config.warehouse;
  if (settings.kind === 'snowflake') {
    const { SnowflakeWarehouse } = await import('./adapters/snowflake/snowflake-warehouse.js');
    return SnowflakeWarehouse.open(settings);
  }
  const warehouse: DuckDbWarehouse = await openDuckDbWarehouse({
    path: settings.path,
    timeoutMs: settings.timeoutMs,
    threads: settings.threads,
  });
  if (settings.seedDemo) {
    const { seedDemoData, defaultDemoEndDate } = await import('./domain/demo/seed.js');
    const result = await seedDemoData(warehouse, { endDate: defaultDemoEndDate() });
    if (result.seeded) logger.info({ rows: result.rows, end_date: result.endDate }, 'demo data seeded');
  }
  return warehouse;
}
