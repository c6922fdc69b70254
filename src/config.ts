import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits } from './domain/rag/ingest/limits.js';
import {
  ENVIRONMENTS,
  type EnvironmentProfile,
  PROFILES,
  RATE_CLASSES,
  RATE_TIERS,
  type RateClass,
} from './profiles.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * DuckDB threads of the embedded warehouse. One: its queries are small and many, and the adapter runs
 * several at once on its own connections, so per-query parallelism only adds thread hand-offs (a
 * second thread made uncached `/insights/daily` use 7.6 instead of 6.3 ms of CPU per request).
 */
export const DEFAULT_DUCKDB_THREADS = 1;
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((value) => value === '1' || value === 'true' || value === 'yes');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));
const url = (protocols: readonly string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}:`)), {
      message: `must start with ${protocols.map((protocol) => `${protocol}://`).join(' or ')}`,
    });
const failMode = z.enum(['open', 'closed']);
const SNOWFLAKE_IDENTIFIER_MESSAGE = 'must be an unquoted Snowflake identifier (letters, digits, _ or $)';
const isSnowflakeIdentifier = (value: string | undefined): boolean =>
  value === undefined || /^[A-Za-z_][A-Za-z0-9_$]*$/.test(value);

const schema = z.object({
  DATALIVE_ENV: z.enum(ENVIRONMENTS).default('dev'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(3000),
  DATALIVE_DATA_DIR: z.string().min(1).default('./.datalive'),
  DATALIVE_STATE_DIR: optionalText,
  XDG_STATE_HOME: optionalText,
  HOME: optionalText,
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_HOST: optionalText,
  DATABASE_PORT: port.default(5432),
  DATABASE_NAME: optionalText,
  DATABASE_USER: optionalText,
  DATABASE_PASSWORD: optionalText,
  DATABASE_SSL: bool.default(false),
  DATABASE_SSL_CA_FILE: optionalText,
  RATE_LIMIT_PROFILE: z.enum(ENVIRONMENTS).optional(),
  DATABASE_POOL_MAX: positiveInt.max(200).default(10),
  MIGRATE_ON_START: bool.optional(),
  WAREHOUSE: z.enum(['duckdb', 'snowflake']).default('duckdb'),
  DUCKDB_PATH: optionalText,
  DUCKDB_THREADS: positiveInt.max(256).optional(),
  DATALIVE_ALLOCATOR: z.enum(['auto', 'system']).default('auto'),
  WAREHOUSE_TIMEOUT_MS: positiveInt.max(300_000).default(20_000),
  SNOWFLAKE_ACCOUNT: optionalText,
  SNOWFLAKE_USER: optionalText,
  SNOWFLAKE_ROLE: optionalText,
  SNOWFLAKE_DATABASE: optionalText.refine(isSnowflakeIdentifier, SNOWFLAKE_IDENTIFIER_MESSAGE),
  SNOWFLAKE_WAREHOUSE: optionalText.refine(isSnowflakeIdentifier, SNOWFLAKE_IDENTIFIER_MESSAGE),
  SNOWFLAKE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, SNOWFLAKE_IDENTIFIER_MESSAGE)
    .default('ANALYTICS'),
  SNOWFLAKE_PRIVATE_KEY: optionalText,
  SNOWFLAKE_PRIVATE_KEY_PATH: optionalText,
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: optionalText,
  SNOWFLAKE_POOL_MAX: positiveInt.max(50).default(4),
  EMBEDDER: z.enum(['local', 'bedrock']).default('local'),
  LLM: z.enum(['local', 'bedrock']).default('local'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  BEDROCK_ENDPOINT: url(['http', 'https']).optional(),
  BEDROCK_EMBED_MODEL_ID: z.string().min(1).default('amazon.titan-embed-text-v2:0'),
  BEDROCK_CHAT_MODEL_ID: z.string().min(1).default('anthropic.claude-3-5-sonnet-20240620-v1:0'),
  BEDROCK_TIMEOUT_MS: positiveInt.max(120_000).default(15_000),
  BEDROCK_MS_PER_OUTPUT_TOKEN: z.coerce.number().int().min(0).max(1_000).default(40),
  BEDROCK_THROTTLE_BUDGET_MS: z.coerce.number().int().min(0).max(300_000).default(20_000),
  EMBEDDING_DIMENSION: z.coerce
    .number()
    .int()
    .refine((value) => [256, 384, 512, 1024].includes(value), {
      message: 'must be one of 256, 384, 512, 1024',
    })
    .default(384),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  RATE_LIMIT_OVERRIDES: optionalText,
  RATE_LIMIT_TIMEOUT_MS: positiveInt.max(1000).default(50),
  RATE_LIMIT_FAIL_INSIGHTS: failMode.default('open'),
  RATE_LIMIT_FAIL_RAG: failMode.default('closed'),
  RATE_LIMIT_FAIL_ADMIN: failMode.default('open'),
  API_KEY_PEPPER: optionalText,
  KEY_CACHE_TTL_MS: positiveInt.max(30_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: optionalText,
  TRUST_PROXY: z
    .string()
    .regex(/^(?:[0-9]|true|false|yes|no)$/, 'must be a hop count 0–9 (or true = 1, false = 0)')
    .transform((value) => (/^[0-9]$/.test(value) ? Number(value) : ['true', 'yes'].includes(value) ? 1 : 0))
    .default(0),
  BODY_LIMIT_BYTES: positiveInt.max(50 * 1024 * 1024).default(1024 * 1024),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.max(600_000).default(30_000),
  SHUTDOWN_GRACE_MS: positiveInt.max(120_000).default(25_000),
  SEED_DEMO: bool.default(true),
  WAREHOUSE_MAPPINGS_DIR: optionalText,
  WAREHOUSE_LOAD_MAX_BYTES: positiveInt.max(10 * 1024 * 1024 * 1024).default(512 * 1024 * 1024),
  AUDIT_RETENTION_DAYS: positiveInt.max(3650).default(90),
  FORECAST_MODEL_VERSION: optionalText,
  FRESHNESS_MAX_AGE_DAYS: positiveInt.max(3650).optional(),
  READINESS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  INSIGHTS_CACHE_TTL_MS: positiveInt.max(86_400_000).default(300_000),
  RAG_MAX_TEXT_BYTES: positiveInt.max(256 * 1024 * 1024).default(DEFAULT_EXTRACTION_LIMITS.maxTextBytes),
  RAG_MAX_DECODED_BYTES: positiveInt
    .max(1024 * 1024 * 1024)
    .default(DEFAULT_EXTRACTION_LIMITS.maxDecodedBytes),
  RAG_MAX_PAGES: positiveInt.max(100_000).default(DEFAULT_EXTRACTION_LIMITS.maxPages),
  RAG_MAX_CHUNKS: positiveInt.max(1_000_000).default(DEFAULT_EXTRACTION_LIMITS.maxChunks),
});

/** Raw environment variables as validated. */
export type EnvVars = z.infer<typeof schema>;

/** Fully resolved configuration, built once at boot and passed down; nothing else reads `process.env`. */
export interface Config {
  env: EnvVars['DATALIVE_ENV'];
  profile: EnvironmentProfile;
  host: string;
  port: number;
  dataDir: string;
  /** Per-user directory where running embedded servers register, so the CLI finds them from any folder. */
  stateDir: string;
  database:
    | { mode: 'embedded'; dataDir: string; poolMax: number; migrateOnStart: boolean }
    | { mode: 'external'; url: string; poolMax: number; migrateOnStart: boolean };
  warehouse:
    | { kind: 'duckdb'; path: string; timeoutMs: number; seedDemo: boolean; threads: number | undefined }
    | {
        kind: 'snowflake';
        account: string;
        username: string;
        role: string | undefined;
        database: string;
        schema: string;
        warehouse: string;
        privateKey: string | undefined;
        privateKeyPath: string | undefined;
        privateKeyPassphrase: string | undefined;
        poolMax: number;
        timeoutMs: number;
      };
  embedder: { kind: 'local' | 'bedrock'; modelId: string; dimension: number };
  llm: { kind: 'local' | 'bedrock'; modelId: string };
  /**
   * `timeoutMs`: one embedding call, and the base of a generation's deadline, which grows by
   * `msPerOutputToken` per requested output token; `throttleBudgetMs`: how long throttled calls are retried.
   */
  bedrock: {
    region: string;
    endpoint: string | undefined;
    timeoutMs: number;
    msPerOutputToken: number;
    throttleBudgetMs: number;
  };
  rateLimit: {
    redisUrl: string | undefined;
    timeoutMs: number;
    failMode: Record<RateClass, 'open' | 'closed'>;
  };
  keys: { pepper: string | undefined; cacheTtlMs: number };
  logLevel: EnvVars['LOG_LEVEL'];
  corsOrigins: string[];
  /**
   * Proxies in front of the service whose `X-Forwarded-For` entries are trusted (1 = the ALB); the client
   * IP is the right-most untrusted entry. 0 uses the socket peer.
   */
  trustProxyHops: number;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  /** Slow-client bounds: time to receive the headers, and the whole request. */
  httpTimeouts: { headersMs: number; requestMs: number };
  auditRetentionDays: number;
  /** HTTP loads (`POST /warehouse/loads/{mapping}`): the registered mappings' folder and the largest body. */
  loads: { mappingsDir: string; maxBytes: number };
  insightsCacheTtlMs: number;
  /** Production data older than this many days makes readiness `degraded` (per environment; `FRESHNESS_MAX_AGE_DAYS`). */
  freshnessMaxAgeDays: number;
  /** How long a readiness report is reused (probes every dependency at most once per period). */
  readinessCacheMs: number;
  /** Caps on what one document may expand to while it is extracted (document bombs). */
  ingestLimits: ExtractionLimits;
  /** FORECAST_DAILY model version to read; the newest present when unset. */
  forecastModelVersion: string | undefined;
}

/** Raised when the environment is invalid; its message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses configuration from an environment map (default `process.env`).
 * Throws {@link ConfigError} with one clear line per invalid variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const shown =
        source[name] === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, source[name]))})`;
      return `invalid ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(lines.join('; '));
  }
  const vars = parsed.data;
  const baseProfile = PROFILES[vars.DATALIVE_ENV];
  const rateProfile = PROFILES[vars.RATE_LIMIT_PROFILE ?? vars.DATALIVE_ENV];
  const profile = applyRateLimitOverrides(
    { ...baseProfile, rateLimits: rateProfile.rateLimits },
    vars.RATE_LIMIT_OVERRIDES,
  );
  const dataDir = path.resolve(vars.DATALIVE_DATA_DIR);
  const assembledUrl = vars.DATABASE_URL ?? assembleDatabaseUrl(vars);
  const databaseUrl = assembledUrl === undefined ? undefined : withTls(assembledUrl, vars);
  const embedded = databaseUrl === undefined;

  if (vars.WAREHOUSE === 'snowflake') {
    for (const name of ['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER'] as const) {
      if (!vars[name]) throw new ConfigError(`invalid ${name}: required when WAREHOUSE=snowflake`);
    }
    if (!vars.SNOWFLAKE_PRIVATE_KEY && !vars.SNOWFLAKE_PRIVATE_KEY_PATH) {
      throw new ConfigError(
        'invalid SNOWFLAKE_PRIVATE_KEY: SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH is required when WAREHOUSE=snowflake (key-pair auth)',
      );
    }
  }
  if (vars.EMBEDDER === 'bedrock' && ![256, 512, 1024].includes(vars.EMBEDDING_DIMENSION)) {
    throw new ConfigError('invalid EMBEDDING_DIMENSION: Titan Text Embeddings v2 supports 256, 512 or 1024');
  }
  if (vars.DATALIVE_ENV === 'prod' && !vars.API_KEY_PEPPER) {
    throw new ConfigError('invalid API_KEY_PEPPER: required when DATALIVE_ENV=prod (at least 32 characters)');
  }
  if (vars.API_KEY_PEPPER !== undefined && vars.API_KEY_PEPPER.length < 32) {
    throw new ConfigError('invalid API_KEY_PEPPER: must be at least 32 characters');
  }

  return {
    env: vars.DATALIVE_ENV,
    profile,
    host: vars.HOST,
    port: vars.PORT,
    dataDir,
    stateDir: stateDirectory(vars),
    database: embedded
      ? {
          mode: 'embedded',
          dataDir: path.join(dataDir, 'pg'),
          poolMax: 1,
          migrateOnStart: vars.MIGRATE_ON_START ?? true,
        }
      : {
          mode: 'external',
          url: databaseUrl as string,
          poolMax: vars.DATABASE_POOL_MAX,
          migrateOnStart: vars.MIGRATE_ON_START ?? false,
        },
    warehouse:
      vars.WAREHOUSE === 'duckdb'
        ? {
            kind: 'duckdb',
            path: vars.DUCKDB_PATH ?? path.join(dataDir, 'warehouse.duckdb'),
            timeoutMs: vars.WAREHOUSE_TIMEOUT_MS,
            seedDemo: vars.SEED_DEMO,
            threads: vars.DUCKDB_THREADS ?? DEFAULT_DUCKDB_THREADS,
          }
        : {
            kind: 'snowflake',
            account: vars.SNOWFLAKE_ACCOUNT as string,
            username: vars.SNOWFLAKE_USER as string,
            role: vars.SNOWFLAKE_ROLE,
            database: vars.SNOWFLAKE_DATABASE ?? profile.warehouseDatabase,
            schema: vars.SNOWFLAKE_SCHEMA,
            warehouse: vars.SNOWFLAKE_WAREHOUSE ?? profile.snowflakeWarehouse,
            privateKey: vars.SNOWFLAKE_PRIVATE_KEY,
            privateKeyPath: vars.SNOWFLAKE_PRIVATE_KEY_PATH,
            privateKeyPassphrase: vars.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
            poolMax: vars.SNOWFLAKE_POOL_MAX,
            timeoutMs: vars.WAREHOUSE_TIMEOUT_MS,
          },
    embedder: {
      kind: vars.EMBEDDER,
      modelId:
        vars.EMBEDDER === 'local' ? `local-hash-v1-${vars.EMBEDDING_DIMENSION}` : vars.BEDROCK_EMBED_MODEL_ID,
      dimension: vars.EMBEDDING_DIMENSION,
    },
    llm: {
      kind: vars.LLM,
      modelId: vars.LLM === 'local' ? 'local-grounded-composer' : vars.BEDROCK_CHAT_MODEL_ID,
    },
    bedrock: {
      region: vars.AWS_REGION,
      endpoint: vars.BEDROCK_ENDPOINT,
      timeoutMs: vars.BEDROCK_TIMEOUT_MS,
      msPerOutputToken: vars.BEDROCK_MS_PER_OUTPUT_TOKEN,
      throttleBudgetMs: vars.BEDROCK_THROTTLE_BUDGET_MS,
    },
    rateLimit: {
      redisUrl: vars.REDIS_URL,
      timeoutMs: vars.RATE_LIMIT_TIMEOUT_MS,
      failMode: Object.fromEntries(
        RATE_CLASSES.map((name) => [
          name,
          vars[`RATE_LIMIT_FAIL_${name.toUpperCase() as Uppercase<RateClass>}`],
        ]),
      ) as Record<RateClass, 'open' | 'closed'>,
    },
    keys: { pepper: vars.API_KEY_PEPPER, cacheTtlMs: vars.KEY_CACHE_TTL_MS },
    logLevel: vars.LOG_LEVEL,
    corsOrigins: vars.CORS_ORIGINS ? vars.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [],
    trustProxyHops: vars.TRUST_PROXY,
    ingestLimits: {
      maxTextBytes: vars.RAG_MAX_TEXT_BYTES,
      maxDecodedBytes: vars.RAG_MAX_DECODED_BYTES,
      maxPages: vars.RAG_MAX_PAGES,
      maxChunks: vars.RAG_MAX_CHUNKS,
    },
    bodyLimitBytes: vars.BODY_LIMIT_BYTES,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    httpTimeouts: {
      headersMs: vars.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: Math.max(vars.HTTP_REQUEST_TIMEOUT_MS, vars.HTTP_HEADERS_TIMEOUT_MS),
    },
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    loads: {
      mappingsDir: path.resolve(vars.WAREHOUSE_MAPPINGS_DIR ?? path.join(dataDir, 'mappings')),
      maxBytes: vars.WAREHOUSE_LOAD_MAX_BYTES,
    },
    insightsCacheTtlMs: vars.INSIGHTS_CACHE_TTL_MS,
    freshnessMaxAgeDays: vars.FRESHNESS_MAX_AGE_DAYS ?? profile.freshnessMaxAgeDays,
    readinessCacheMs: vars.READINESS_CACHE_MS,
    forecastModelVersion: vars.FORECAST_MODEL_VERSION,
  };
}

/**
 * The per-user state directory: `DATALIVE_STATE_DIR`, else `$XDG_STATE_HOME/datalive`, else
 * `~/.local/state/datalive`.
 */
export function stateDirectory(vars: {
  DATALIVE_STATE_DIR?: string | undefined;
  XDG_STATE_HOME?: string | undefined;
  HOME?: string | undefined;
}): string {
  if (vars.DATALIVE_STATE_DIR) return path.resolve(vars.DATALIVE_STATE_DIR);
  if (vars.XDG_STATE_HOME) return path.join(path.resolve(vars.XDG_STATE_HOME), 'datalive');
  return path.join(vars.HOME ?? homedir(), '.local', 'state', 'datalive');
}

function redactIfSecret(name: string, value: string | undefined): string | undefined {
  return /KEY|PEPPER|SECRET|PASSWORD|URL/.test(name) ? '[redacted]' : value;
}

const policySchema = z
  .object({
    limit: z.number().int().positive(),
    periodSeconds: z.number().positive(),
    burst: z.number().int().positive().optional(),
  })
  .strict()
  .refine((policy) => (policy.burst ?? policy.limit) <= policy.limit, {
    message: 'burst must not exceed limit',
  });
const overridesSchema = z.partialRecord(
  z.enum(RATE_TIERS),
  z.partialRecord(z.enum(RATE_CLASSES), policySchema),
);

/**
 * Merges `RATE_LIMIT_OVERRIDES` (JSON: `{ tier: { class: { limit, periodSeconds, burst? } } }`) into an
 * environment's built-in profile, so operators tune one budget without a release.
 */
export function applyRateLimitOverrides(
  profile: EnvironmentProfile,
  json: string | undefined,
): EnvironmentProfile {
  if (!json) return profile;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError('invalid RATE_LIMIT_OVERRIDES: not valid JSON');
  }
  const parsed = overridesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid RATE_LIMIT_OVERRIDES: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const rateLimits = structuredClone(profile.rateLimits);
  for (const [tier, classes] of Object.entries(parsed.data)) {
    for (const [rateClass, policy] of Object.entries(classes ?? {})) {
      if (!policy) continue;
      rateLimits[tier as keyof typeof rateLimits][rateClass as RateClass] = {
        limit: policy.limit,
        periodSeconds: policy.periodSeconds,
        burst: policy.burst ?? policy.limit,
      };
    }
  }
  return { ...profile, rateLimits };
}

/**
 * Builds `DATABASE_URL` from parts (ECS injects the Aurora user and password as secrets, host and name
 * as plain variables). Returns undefined when no host is given.
 */
function assembleDatabaseUrl(vars: EnvVars): string | undefined {
  if (!vars.DATABASE_HOST) return undefined;
  for (const name of ['DATABASE_NAME', 'DATABASE_USER', 'DATABASE_PASSWORD'] as const) {
    if (!vars[name]) throw new ConfigError(`invalid ${name}: required when DATABASE_HOST is set`);
  }
  const url = new URL(`postgres://${vars.DATABASE_HOST}:${vars.DATABASE_PORT}`);
  url.username = encodeURIComponent(vars.DATABASE_USER as string);
  url.password = encodeURIComponent(vars.DATABASE_PASSWORD as string);
  url.pathname = `/${encodeURIComponent(vars.DATABASE_NAME as string)}`;
  return url.toString();
}

/**
 * With `DATABASE_SSL`, every connection verifies the server (`sslmode=verify-full`: chain and host name)
 * against `DATABASE_SSL_CA_FILE` (the image ships the Amazon RDS global bundle there) or Node's trust
 * store. An `sslmode` or `sslrootcert` already in `DATABASE_URL` is kept.
 */
function withTls(databaseUrl: string, vars: EnvVars): string {
  if (!vars.DATABASE_SSL) return databaseUrl;
  const caFile = vars.DATABASE_SSL_CA_FILE;
  if (caFile !== undefined && !existsSync(caFile)) {
    throw new ConfigError(`invalid DATABASE_SSL_CA_FILE: no such file (got ${JSON.stringify(caFile)})`);
  }
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'verify-full');
  if (caFile !== undefined && !url.searchParams.has('sslrootcert')) {
    url.searchParams.set('sslrootcert', path.resolve(caFile));
  }
  return url.toString();
}
