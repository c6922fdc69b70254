/** Deployment environments. Keys, vector indexes and warehouse databases never cross between them. */
export const ENVIRONMENTS = ['dev', 'qa', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Route classes that carry separate rate-limit budgets. */
export const RATE_CLASSES = ['insights', 'rag', 'admin'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** A GCRA budget: `limit` requests per `periodSeconds`, with bursts up to `burst`. */
export interface RatePolicy {
  limit: number;
  periodSeconds: number;
  burst: number;
}

/** Rate tiers a key can carry; `standard` is the default. */
export const RATE_TIERS = ['standard', 'premium', 'powerbi'] as const;
export type RateTier = (typeof RATE_TIERS)[number];

/** Everything that differs between environments, in one typed place. */
export interface EnvironmentProfile {
  env: Environment;
  /** Postgres schema holding this environment's vector index. */
  ragSchema: `rag_${Environment}`;
  /** Snowflake database holding this environment's warehouse tables. */
  warehouseDatabase: `DB_${Uppercase<Environment>}`;
  /** Snowflake virtual warehouse used by this environment. */
  snowflakeWarehouse: string;
  /** Prefix of every API key issued for this environment. */
  keyPrefix: `da_${Environment}_`;
  /** Days the newest production data may lag today before readiness reports `degraded`. */
  freshnessMaxAgeDays: number;
  /** Rate policies per tier and route class. */
  rateLimits: Record<RateTier, Record<RateClass, RatePolicy>>;
}

const policy = (limit: number, periodSeconds: number, burst = limit): RatePolicy => ({
  limit,
  periodSeconds,
  burst,
});

/** The built-in profiles. Operators override single values through configuration, not by editing code. */
export const PROFILES: Record<Environment, EnvironmentProfile> = {
  dev: {
    env: 'dev',
    ragSchema: 'rag_dev',
    warehouseDatabase: 'DB_DEV',
    snowflakeWarehouse: 'WH_DATALIVE_DEV',
    keyPrefix: 'da_dev_',
    freshnessMaxAgeDays: 7,
    rateLimits: {
      standard: { insights: policy(120, 60), rag: policy(20, 60), admin: policy(30, 60) },
      premium: { insights: policy(600, 60), rag: policy(60, 60), admin: policy(60, 60) },
      powerbi: { insights: policy(300, 60), rag: policy(5, 60), admin: policy(10, 60) },
    },
  },
  qa: {
    env: 'qa',
    ragSchema: 'rag_qa',
    warehouseDatabase: 'DB_QA',
    snowflakeWarehouse: 'WH_DATALIVE_QA',
    keyPrefix: 'da_qa_',
    freshnessMaxAgeDays: 3,
    rateLimits: {
      standard: { insights: policy(300, 60), rag: policy(30, 60), admin: policy(30, 60) },
      premium: { insights: policy(1200, 60), rag: policy(120, 60), admin: policy(60, 60) },
      powerbi: { insights: policy(600, 60), rag: policy(10, 60), admin: policy(10, 60) },
    },
  },
  prod: {
    env: 'prod',
    ragSchema: 'rag_prod',
    warehouseDatabase: 'DB_PROD',
    snowflakeWarehouse: 'WH_DATALIVE_PROD',
    keyPrefix: 'da_prod_',
    freshnessMaxAgeDays: 2,
    rateLimits: {
      standard: { insights: policy(1200, 60), rag: policy(60, 60), admin: policy(60, 60) },
      premium: { insights: policy(6000, 60), rag: policy(300, 60), admin: policy(120, 60) },
      powerbi: { insights: policy(3000, 60), rag: policy(20, 60), admin: policy(10, 60) },
    },
  },
};
