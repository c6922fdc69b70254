import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createBedrockClient } from './adapters/bedrock/client.js';
import { ConverseLlm } from './adapters/bedrock/converse-llm.js';
import { generationDeadlineMs } from './adapters/bedrock/resilience.js';
import { type TitanDimension, TitanEmbedder } from './adapters/bedrock/titan-embedder.js';
import { DuckDbWarehouse, openDuckDbWarehouse } from './adapters/duckdb/duckdb-warehouse.js';
import { HashEmbedder } from './adapters/local/hash-embedder.js';
import { MemoryRateLimitStore } from './adapters/local/memory-rate-limit-store.js';
import { resolvePepper } from './adapters/local/pepper.js';
import { type Database, openDatabase } from './adapters/postgres/database.js';
import { PostgresKeyStore } from './adapters/postgres/key-store.js';
import { migrate } from './adapters/postgres/migrate.js';
import { PgRagRepository } from './adapters/postgres/rag-repository.js';
import { createRedisRateLimitStore } from './adapters/redis/redis-rate-limit-store.js';
import type { Config } from './config.js';
import { createReadinessProbe, type DependencyCheck, type ReadinessReport } from './domain/health.js';
import { ForecastService } from './domain/insights/forecast.js';
import { dataAgeSeconds } from './domain/insights/freshness.js';
import { DEFAULT_WAREHOUSE_NAMESPACE, inNamespace, loadSemanticModel } from './domain/insights/semantic.js';
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
import { ResponseMemo } from './http/response-memo.js';
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
  /** The embedded DuckDB warehouse itself (loads write through it); null on Snowflake. */
  embeddedWarehouse: DuckDbWarehouse | null;
  keys: KeyService;
  insights: InsightsService;
  /** Serialized insights answers by request identity (see `memoizeResponses`). */
  responseMemo: ResponseMemo;
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
  /** The readiness report (cached for `READINESS_CACHE_MS`, probed once at a time), with table freshness. */
  readiness: () => Promise<ReadinessReport>;
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

    const opened = overrides.warehouse
      ? { warehouse: overrides.warehouse, holdsDemo: false }
      : await openWarehouse(config, logger);
    const openedWarehouse = opened.warehouse;
    const warehouse = instrumentWarehouse(openedWarehouse, metrics);
    metrics.setMemoryCollector(() => memoryByComponent(db, openedWarehouse));
    if (!overrides.warehouse) closers.push(() => warehouse.close());

    const semanticModel = inNamespace(
      loadSemanticModel(),
      openedWarehouse.namespace ?? DEFAULT_WAREHOUSE_NAMESPACE,
    );
    const insights = new InsightsService(warehouse, semanticModel, {
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
      config.warehouse.seedDemo &&
      opened.holdsDemo
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

    const now = overrides.now ?? Date.now;
    const freshness = async () => {
      const tables = await insights.freshness(config.freshnessMaxAgeDays);
      return {
        max_age_days: config.freshnessMaxAgeDays,
        stale_tables: tables.filter((table) => table.stale).map((table) => table.table),
        tables,
      };
    };
    metrics.setDataAgeCollector(async () =>
      (await insights.catalog()).loadStates.map((state) => ({
        table: state.table,
        dataAgeSeconds: dataAgeSeconds(state.lastDataDate, now()),
        lastLoadSeconds: state.lastLoadAt ? Math.round(Date.parse(`${state.lastLoadAt}Z`) / 1000) : null,
      })),
    );

    return {
      config,
      logger,
      version: VERSION,
      db,
      warehouse,
      embeddedWarehouse: opened.warehouse instanceof DuckDbWarehouse ? opened.warehouse : null,
      keys,
      insights,
      responseMemo: new ResponseMemo({ ttlMs: config.insightsCacheTtlMs, now: overrides.now }),
      forecasts,
      embedder,
      llm,
      rag,
      explain,
      rateLimitStore,
      limiter,
      authFailureStore: new MemoryRateLimitStore({ maxEntries: 50_000 }),
      dependencies,
      readiness: createReadinessProbe({
        checks: dependencies,
        freshness,
        cacheMs: config.readinessCacheMs,
        now,
      }),
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

/**
 * Output tokens the shared Bedrock client's socket timeouts are sized for: a non-streaming Converse call is
 * silent until its last token, so the client must outlast the longest generation; each call's own
 * deadline (sized to its `maxTokens`) is the tighter bound.
 */
const BEDROCK_CLIENT_MAX_OUTPUT_TOKENS = 4_096;

/** Builds the embedder and the LLM from configuration: local by default, Bedrock when configured. */
export function buildModels(
  config: Config,
  overrides: ServiceOverrides = {},
): { embedder: Embedder; llm: Llm | null } {
  const needsBedrock = config.embedder.kind === 'bedrock' || config.llm.kind === 'bedrock';
  const { timeoutMs, msPerOutputToken, throttleBudgetMs } = config.bedrock;
  const retry = { throttleBudgetMs };
  const client = needsBedrock
    ? createBedrockClient({
        region: config.bedrock.region,
        endpoint: config.bedrock.endpoint,
        timeoutMs: generationDeadlineMs(timeoutMs, BEDROCK_CLIENT_MAX_OUTPUT_TOKENS, msPerOutputToken),
      })
    : undefined;
  const embedder =
    overrides.embedder ??
    (config.embedder.kind === 'bedrock' && client
      ? new TitanEmbedder({
          client,
          modelId: config.embedder.modelId,
          dimension: config.embedder.dimension as TitanDimension,
          timeoutMs,
          retry,
        })
      : new HashEmbedder({ dimension: config.embedder.dimension }));
  const llm =
    overrides.llm !== undefined
      ? overrides.llm
      : config.llm.kind === 'bedrock' && client
        ? new ConverseLlm({ client, modelId: config.llm.modelId, timeoutMs, msPerOutputToken, retry })
        : null;
  return { embedder, llm };
}

/**
 * Bytes held per component for `datalive_memory_bytes`: the main thread's V8 heap, the embedded
 * database worker's WASM memory and heap, and DuckDB's buffer manager (embedded warehouse only).
 */
async function memoryByComponent(db: Database, warehouse: Warehouse): Promise<Record<string, number>> {
  const components: Record<string, number> = { node_heap: process.memoryUsage().heapUsed };
  const [database, duckdb] = await Promise.allSettled([
    db.memory?.(),
    warehouse.kind === 'duckdb'
      ? warehouse.query<{ bytes: number | string | null }>(
          'SELECT coalesce(sum(memory_usage_bytes), 0) AS bytes FROM duckdb_memory()',
          [],
        )
      : undefined,
  ]);
  if (database.status === 'fulfilled' && database.value) {
    components.pglite_wasm = database.value.wasmBytes;
    components.pglite_worker_heap = database.value.heapUsedBytes;
  }
  if (duckdb.status === 'fulfilled' && duckdb.value)
    components.duckdb = Number(duckdb.value.rows[0]?.bytes ?? 0);
  return components;
}

/**
 * Opens the configured warehouse. The embedded one gets the demo dataset only when it is empty
 * (`SEED_DEMO`); a warehouse holding a user's loads is served as it is. `holdsDemo` says whether the demo
 * documents belong with it.
 */
async function openWarehouse(
  config: Config,
  logger: Logger,
): Promise<{ warehouse: Warehouse; holdsDemo: boolean }> {
  const settings = config.warehouse;
  if (settings.kind === 'snowflake') {
    const { SnowflakeWarehouse } = await import('./adapters/snowflake/snowflake-warehouse.js');
    return { warehouse: await SnowflakeWarehouse.open(settings), holdsDemo: false };
  }
  const warehouse: DuckDbWarehouse = await openDuckDbWarehouse({
    path: settings.path,
    timeoutMs: settings.timeoutMs,
    threads: settings.threads,
  });
  if (!settings.seedDemo) return { warehouse, holdsDemo: false };
  try {
    const { seedDemoData, defaultDemoEndDate } = await import('./domain/demo/seed.js');
    const result = await seedDemoData(warehouse, { endDate: defaultDemoEndDate() });
    if (result.seeded) logger.info({ rows: result.rows, end_date: result.endDate }, 'demo data seeded');
    else if (result.status === 'user_data')
      logger.info({ reason: result.reason }, 'warehouse holds loaded data; serving it without the demo');
    return { warehouse, holdsDemo: result.status !== 'user_data' };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}
