import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  DEPLOYMENT_CONTEXT_KEY,
  IMAGE_TAG_CONTEXT_KEY,
  resolveDeployment,
} from '../../infra/lib/deployment.js';
import {
  findSettingsProblems,
  type RateLimitOverrides,
  SETTINGS,
  type StackSettings,
} from '../../infra/lib/settings.js';
import { ENVIRONMENTS, PROFILES } from '../../src/profiles.js';

const withChanges = (changes: Partial<StackSettings>): StackSettings => ({ ...SETTINGS.dev, ...changes });

describe('SETTINGS', () => {
  it.each(ENVIRONMENTS)('is valid and consistent with the application profile for %s', (env) => {
    const settings = SETTINGS[env];
    expect(findSettingsProblems(settings)).toEqual([]);
    expect(settings.env).toBe(env);
    expect(settings.stackName).toBe(`api-${env}`);
    expect(settings.rateLimit.profile).toBe(env);
    expect(settings.snowflake.database).toBe(PROFILES[env].warehouseDatabase);
    expect(settings.snowflake.warehouse).toBe(PROFILES[env].snowflakeWarehouse);
  });

  it('makes prod stricter than qa and dev', () => {
    for (const other of [SETTINGS.dev, SETTINGS.qa]) {
      expect(SETTINGS.prod.scaling.minTasks).toBeGreaterThan(other.scaling.minTasks);
      expect(SETTINGS.prod.logRetention).toBeGreaterThan(other.logRetention);
      expect(SETTINGS.prod.aurora.backupRetentionDays).toBeGreaterThan(other.aurora.backupRetentionDays);
      expect(SETTINGS.prod.alarms.error5xxRatePercent).toBeLessThan(other.alarms.error5xxRatePercent);
      expect(other.deletionProtection).toBe(false);
    }
    expect(SETTINGS.prod.deletionProtection).toBe(true);
    expect(SETTINGS.prod.vpc.natGateways).toBe(2);
  });
});

describe('findSettingsProblems', () => {
  it('rejects task sizes Fargate does not offer', () => {
    expect(
      findSettingsProblems(withChanges({ task: { ...SETTINGS.dev.task, cpu: 512, memoryMiB: 512 } })),
    ).toEqual(['task.memoryMiB 512 is not valid with 512 CPU units']);
    expect(findSettingsProblems(withChanges({ task: { ...SETTINGS.dev.task, cpu: 300 } }))).toEqual([
      'task.cpu 300 is not a Fargate size',
    ]);
  });

  it('rejects inverted scaling and capacity bounds', () => {
    const problems = findSettingsProblems(
      withChanges({
        scaling: { ...SETTINGS.dev.scaling, minTasks: 5, maxTasks: 2 },
        aurora: { ...SETTINGS.dev.aurora, minAcu: 8, maxAcu: 4 },
      }),
    );
    expect(problems).toEqual([
      'scaling needs 1 <= minTasks <= maxTasks',
      'aurora needs 0.5 <= minAcu <= maxAcu <= 256',
    ]);
  });

  it('rejects a rate-limit profile of another environment', () => {
    expect(findSettingsProblems(withChanges({ rateLimit: { profile: 'prod' } }))).toEqual([
      'rateLimit.profile prod belongs to another environment',
    ]);
  });

  it('validates overrides with the application parser', () => {
    const unknownTier = { enterprise: { insights: { limit: 10, periodSeconds: 60 } } } as RateLimitOverrides;
    const burstAboveLimit = { standard: { rag: { limit: 10, periodSeconds: 60, burst: 20 } } };
    for (const overrides of [unknownTier, burstAboveLimit]) {
      const problems = findSettingsProblems(withChanges({ rateLimit: { profile: 'dev', overrides } }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^invalid RATE_LIMIT_OVERRIDES: /);
    }
    const larger = { standard: { rag: { limit: 40, periodSeconds: 60 } } };
    expect(findSettingsProblems(withChanges({ rateLimit: { profile: 'dev', overrides: larger } }))).toEqual(
      [],
    );
  });
});

describe('resolveDeployment', () => {
  const complete = {
    account: '123456789012',
    region: 'eu-west-1',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234',
    snowflakeAccount: 'acme-datalive',
    snowflakeSecretArn:
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datalive/api-qa/snowflake-Xy12Zq',
  };
  const nodeWith = (context: Record<string, unknown>) => new App({ context }).node;

  it('reads the environment entry and the image tag', () => {
    const resolved = resolveDeployment(
      nodeWith({ [DEPLOYMENT_CONTEXT_KEY]: { qa: complete }, [IMAGE_TAG_CONTEXT_KEY]: 'v1.4.2' }),
      'qa',
    );
    expect(resolved).toEqual({
      deployment: { ...complete, imageTag: 'v1.4.2', alarmEmail: undefined },
      hasTarget: true,
      problems: [],
    });
  });

  it('lists every missing value and falls back to placeholders without a target', () => {
    const resolved = resolveDeployment(nodeWith({ [DEPLOYMENT_CONTEXT_KEY]: { qa: complete } }), 'prod');
    expect(resolved.hasTarget).toBe(false);
    expect(resolved.problems).toEqual([
      'context datalive.prod.account is required',
      'context datalive.prod.region is required',
      'context datalive.prod.certificateArn is required',
      'context datalive.prod.snowflakeAccount is required',
      'context datalive.prod.snowflakeSecretArn is required',
      'context imageTag is required',
    ]);
    expect(resolved.deployment.imageTag).toBe('unset');
  });

  it('rejects malformed values, a mutable image tag and ARNs from another region or account', () => {
    const resolved = resolveDeployment(
      nodeWith({
        [DEPLOYMENT_CONTEXT_KEY]: {
          dev: {
            ...complete,
            account: '1234',
            certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234',
            snowflakeSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datalive/snowflake',
            alarmEmail: 'not-an-address',
          },
        },
        [IMAGE_TAG_CONTEXT_KEY]: 'latest',
      }),
      'dev',
    );
    expect(resolved.problems).toEqual([
      'context datalive.dev.account must be a 12-digit AWS account id',
      'context datalive.dev.snowflakeSecretArn must be the complete secret ARN, including the 6-character suffix',
      'context datalive.dev.alarmEmail must be an email address',
      'context imageTag must be immutable (a git SHA or version), not latest',
      'context datalive.dev.certificateArn must be in eu-west-1',
    ]);
    expect(resolved.hasTarget).toBe(false);
  });
});
