import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AuroraPostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import { applyRateLimitOverrides } from '../../src/config.js';
import { type Environment, PROFILES, type RateClass, type RateTier } from '../../src/profiles.js';

/** One replaced budget: `limit` requests per `periodSeconds`, bursts up to `burst` (default and maximum `limit`). */
export interface RateLimitOverride {
  limit: number;
  periodSeconds: number;
  burst?: number;
}

/**
 * Budgets replacing those of the built-in profile (`src/profiles.ts`), passed to the container as
 * `RATE_LIMIT_OVERRIDES` JSON and validated at synthesis by the application's own parser.
 */
export type RateLimitOverrides = Partial<Record<RateTier, Partial<Record<RateClass, RateLimitOverride>>>>;

/** Thresholds of the CloudWatch alarms on the load balancer and its target group. */
export interface AlarmSettings {
  /** Alarm when 5xx responses (target + load balancer) exceed this percentage of requests. */
  error5xxRatePercent: number;
  /** Alarm when the p95 target response time exceeds this many seconds. */
  p95LatencySeconds: number;
  /** Alarm when at least this many targets are unhealthy. */
  unhealthyHosts: number;
  /** Number of one-minute periods evaluated. */
  evaluationPeriods: number;
  /** Breaching periods among `evaluationPeriods` needed to alarm. */
  datapointsToAlarm: number;
}

/** Everything that differs between the `api-dev`, `api-qa` and `api-prod` stacks. */
export interface StackSettings {
  env: Environment;
  /** CloudFormation stack name; also the prefix of named resources. */
  stackName: `api-${Environment}`;
  vpc: {
    cidr: string;
    /** NAT gateways (one per AZ in prod so an AZ failure does not cut Snowflake egress). */
    natGateways: number;
  };
  task: {
    /** Fargate CPU units (1024 = 1 vCPU). */
    cpu: number;
    memoryMiB: number;
    /** `pg` pool size per task; tasks × pool must stay under Aurora's `max_connections` at `minAcu`. */
    databasePoolMax: number;
    logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  };
  scaling: {
    minTasks: number;
    maxTasks: number;
    cpuTargetPercent: number;
    /** Target of ALBRequestCountPerTarget (requests per target per minute). */
    requestsPerTarget: number;
  };
  logRetention: RetentionDays;
  /**
   * Aurora and ALB deletion protection, stack termination protection, and retention (instead of deletion)
   * of log groups and secrets when the stack is deleted.
   */
  deletionProtection: boolean;
  waf: {
    /** Requests per client IP per 5-minute window before WAF answers 429; a flood guard above per-key limits. */
    rateLimitPerIp: number;
  };
  aurora: {
    engineVersion: AuroraPostgresEngineVersion;
    minAcu: number;
    maxAcu: number;
    /** Serverless v2 readers that scale with the writer (failover targets). */
    readers: number;
    backupRetentionDays: number;
  };
  redis: {
    nodeType: string;
    /** Replicas besides the primary; more than zero enables automatic failover and Multi-AZ. */
    replicas: number;
  };
  alarms: AlarmSettings;
  rateLimit: {
    /** Name of the built-in profile in `src/profiles.ts`, passed as `RATE_LIMIT_PROFILE`. */
    profile: Environment;
    overrides?: RateLimitOverrides;
  };
  bedrock: {
    embedModelId: string;
    chatModelId: string;
    embeddingDimension: 256 | 384 | 512 | 1024;
  };
  snowflake: {
    user: string;
    role: string;
    database: string;
    warehouse: string;
  };
  /** ECR repository (in the stack's account and region) holding the image; the tag comes from context. */
  ecrRepositoryName: string;
}

const bedrock: StackSettings['bedrock'] = {
  embedModelId: 'amazon.titan-embed-text-v2:0',
  chatModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  embeddingDimension: 1024,
};

const snowflakeFor = (env: Environment): StackSettings['snowflake'] => ({
  user: `SVC_DATALIVE_${env.toUpperCase()}`,
  role: `ROLE_DATALIVE_${env.toUpperCase()}`,
  database: PROFILES[env].warehouseDatabase,
  warehouse: PROFILES[env].snowflakeWarehouse,
});

/** Per-environment settings; review changes here like code, they are the production configuration. */
export const SETTINGS: Record<Environment, StackSettings> = {
  dev: {
    env: 'dev',
    stackName: 'api-dev',
    vpc: { cidr: '10.40.0.0/16', natGateways: 1 },
    task: { cpu: 512, memoryMiB: 1024, databasePoolMax: 10, logLevel: 'debug' },
    scaling: { minTasks: 1, maxTasks: 3, cpuTargetPercent: 70, requestsPerTarget: 600 },
    logRetention: RetentionDays.TWO_WEEKS,
    deletionProtection: false,
    waf: { rateLimitPerIp: 2_000 },
    aurora: {
      engineVersion: AuroraPostgresEngineVersion.VER_16_6,
      minAcu: 0.5,
      maxAcu: 4,
      readers: 0,
      backupRetentionDays: 1,
    },
    redis: { nodeType: 'cache.t4g.micro', replicas: 0 },
    alarms: {
      error5xxRatePercent: 5,
      p95LatencySeconds: 5,
      unhealthyHosts: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    },
    rateLimit: { profile: 'dev' },
    bedrock,
    snowflake: snowflakeFor('dev'),
    ecrRepositoryName: 'datalive-api',
  },
  qa: {
    env: 'qa',
    stackName: 'api-qa',
    vpc: { cidr: '10.41.0.0/16', natGateways: 1 },
    task: { cpu: 1024, memoryMiB: 2048, databasePoolMax: 10, logLevel: 'info' },
    scaling: { minTasks: 1, maxTasks: 4, cpuTargetPercent: 65, requestsPerTarget: 800 },
    logRetention: RetentionDays.ONE_MONTH,
    deletionProtection: false,
    waf: { rateLimitPerIp: 5_000 },
    aurora: {
      engineVersion: AuroraPostgresEngineVersion.VER_16_6,
      minAcu: 0.5,
      maxAcu: 8,
      readers: 0,
      backupRetentionDays: 7,
    },
    redis: { nodeType: 'cache.t4g.small', replicas: 0 },
    alarms: {
      error5xxRatePercent: 2,
      p95LatencySeconds: 4,
      unhealthyHosts: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    rateLimit: { profile: 'qa' },
    bedrock,
    snowflake: snowflakeFor('qa'),
    ecrRepositoryName: 'datalive-api',
  },
  prod: {
    env: 'prod',
    stackName: 'api-prod',
    vpc: { cidr: '10.42.0.0/16', natGateways: 2 },
    task: { cpu: 1024, memoryMiB: 2048, databasePoolMax: 15, logLevel: 'info' },
    scaling: { minTasks: 3, maxTasks: 12, cpuTargetPercent: 60, requestsPerTarget: 1_000 },
    logRetention: RetentionDays.ONE_YEAR,
    deletionProtection: true,
    waf: { rateLimitPerIp: 20_000 },
    aurora: {
      engineVersion: AuroraPostgresEngineVersion.VER_16_6,
      minAcu: 2,
      maxAcu: 32,
      readers: 1,
      backupRetentionDays: 30,
    },
    redis: { nodeType: 'cache.m7g.large', replicas: 1 },
    alarms: {
      error5xxRatePercent: 1,
      p95LatencySeconds: 3,
      unhealthyHosts: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    rateLimit: {
      profile: 'prod',
      overrides: { powerbi: { insights: { limit: 6_000, periodSeconds: 60 } } },
    },
    bedrock,
    snowflake: snowflakeFor('prod'),
    ecrRepositoryName: 'datalive-api',
  },
};

const FARGATE_MEMORY_BY_CPU: Record<number, readonly [min: number, max: number, step: number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
};

/** Returns the problems in one environment's settings (empty when valid); `assertValidSettings` throws on them. */
export function findSettingsProblems(settings: StackSettings): string[] {
  const problems: string[] = [];
  const { task, scaling, aurora, alarms, waf, rateLimit } = settings;
  const memory = FARGATE_MEMORY_BY_CPU[task.cpu];
  if (!memory) problems.push(`task.cpu ${task.cpu} is not a Fargate size`);
  else if (task.memoryMiB < memory[0] || task.memoryMiB > memory[1] || task.memoryMiB % memory[2] !== 0) {
    problems.push(`task.memoryMiB ${task.memoryMiB} is not valid with ${task.cpu} CPU units`);
  }
  if (scaling.minTasks < 1 || scaling.minTasks > scaling.maxTasks) {
    problems.push('scaling needs 1 <= minTasks <= maxTasks');
  }
  if (aurora.minAcu < 0.5 || aurora.minAcu > aurora.maxAcu || aurora.maxAcu > 256) {
    problems.push('aurora needs 0.5 <= minAcu <= maxAcu <= 256');
  }
  if (waf.rateLimitPerIp < 10 || waf.rateLimitPerIp > 2_000_000_000) {
    problems.push('waf.rateLimitPerIp must be between 10 and 2e9');
  }
  if (alarms.datapointsToAlarm > alarms.evaluationPeriods) {
    problems.push('alarms.datapointsToAlarm must not exceed evaluationPeriods');
  }
  if (rateLimit.profile !== settings.env) {
    problems.push(`rateLimit.profile ${rateLimit.profile} belongs to another environment`);
  }
  if (rateLimit.overrides) {
    try {
      applyRateLimitOverrides(PROFILES[settings.env], JSON.stringify(rateLimit.overrides));
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return problems;
}

/** Throws one error listing every problem in the given settings. */
export function assertValidSettings(settings: StackSettings): void {
  const problems = findSettingsProblems(settings);
  if (problems.length > 0)
    throw new Error(`invalid settings for ${settings.stackName}: ${problems.join('; ')}`);
}
