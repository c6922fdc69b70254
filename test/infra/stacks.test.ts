import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/lib/build-app.js';
import { DEPLOYMENT_CONTEXT_KEY, IMAGE_TAG_CONTEXT_KEY } from '../../infra/lib/deployment.js';
import { SETTINGS } from '../../infra/lib/settings.js';
import { loadConfig } from '../../src/config.js';
import { ENVIRONMENTS, type Environment } from '../../src/profiles.js';

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
}

interface ContainerDefinition {
  Name: string;
  Image: unknown;
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
  HealthCheck?: {
    Command: string[];
    Interval: number;
    Timeout: number;
    Retries: number;
    StartPeriod: number;
  };
}

const REGION = 'eu-west-1';
const IMAGE_TAG = '3f2c1ab';
const ACCOUNTS: Record<Environment, string> = {
  dev: '111111111111',
  qa: '222222222222',
  prod: '333333333333',
};
const certificateArn = (env: Environment) => `arn:aws:acm:${REGION}:${ACCOUNTS[env]}:certificate/0000-${env}`;
const snowflakeSecretArn = (env: Environment) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNTS[env]}:secret:datalive/api-${env}/snowflake-AbC123`;
const SECRET_VARIABLES = [
  'API_KEY_PEPPER',
  'SNOWFLAKE_PRIVATE_KEY',
  'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
  'DATABASE_USER',
  'DATABASE_PASSWORD',
];

function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../infra/cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

function fullContext(): Record<string, unknown> {
  const deployments = Object.fromEntries(
    ENVIRONMENTS.map((env) => [
      env,
      {
        account: ACCOUNTS[env],
        region: REGION,
        certificateArn: certificateArn(env),
        snowflakeAccount: 'acme-datalive',
        snowflakeSecretArn: snowflakeSecretArn(env),
        ...(env === 'prod' ? { alarmEmail: 'oncall@example.com' } : {}),
      },
    ]),
  );
  return { ...cdkJsonContext(), [DEPLOYMENT_CONTEXT_KEY]: deployments, [IMAGE_TAG_CONTEXT_KEY]: IMAGE_TAG };
}

const templates = {} as Record<Environment, Template>;
let stacks: ReturnType<typeof buildApp>;

beforeAll(() => {
  const app = new App({ context: fullContext() });
  stacks = buildApp(app);
  for (const env of ENVIRONMENTS) templates[env] = Template.fromStack(stacks[env]);
});

const resourcesOf = (env: Environment, type: string) =>
  templates[env].findResources(type) as Record<string, CfnResource>;
const onlyResource = (env: Environment, type: string): CfnResource => {
  const found = Object.values(resourcesOf(env, type));
  expect(found).toHaveLength(1);
  return found[0] as CfnResource;
};
function present<T>(value: T | undefined): T {
  expect(value).toBeDefined();
  return value as T;
}
const logicalIdsOf = (env: Environment, type: string) => Object.keys(resourcesOf(env, type));
const ownSecretIds = (env: Environment) =>
  new Set([
    ...logicalIdsOf(env, 'AWS::SecretsManager::Secret'),
    ...logicalIdsOf(env, 'AWS::SecretsManager::SecretTargetAttachment'),
  ]);
const refTo = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'Ref' in value
    ? String((value as { Ref: unknown }).Ref)
    : undefined;
const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function policyStatements(env: Environment): { owner: string; statement: PolicyStatement }[] {
  const statements: { owner: string; statement: PolicyStatement }[] = [];
  for (const [id, policy] of Object.entries(resourcesOf(env, 'AWS::IAM::Policy'))) {
    const document = policy.Properties.PolicyDocument as { Statement: PolicyStatement[] };
    const roles = (policy.Properties.Roles as unknown[]).map(refTo).join(',');
    for (const statement of document.Statement) statements.push({ owner: roles || id, statement });
  }
  for (const [id, role] of Object.entries(resourcesOf(env, 'AWS::IAM::Role'))) {
    const inline = (role.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: PolicyStatement[] };
    }[];
    for (const policy of inline) {
      for (const statement of policy.PolicyDocument.Statement) statements.push({ owner: id, statement });
    }
  }
  return statements;
}

function container(env: Environment): ContainerDefinition {
  const taskDefinition = onlyResource(env, 'AWS::ECS::TaskDefinition');
  const containers = taskDefinition.Properties.ContainerDefinitions as ContainerDefinition[];
  expect(containers).toHaveLength(1);
  return containers[0] as ContainerDefinition;
}

const environmentOf = (env: Environment) =>
  Object.fromEntries(container(env).Environment.map((variable) => [variable.Name, variable.Value]));

function roleIdByPrincipal(env: Environment, logicalIdPrefix: string): string {
  const ids = logicalIdsOf(env, 'AWS::IAM::Role').filter((id) => id.startsWith(logicalIdPrefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

function subnetIdsOfType(env: Environment, subnetType: 'Public' | 'Private' | 'Isolated'): string[] {
  return Object.entries(resourcesOf(env, 'AWS::EC2::Subnet'))
    .filter(([, subnet]) =>
      (subnet.Properties.Tags as { Key: string; Value: string }[]).some(
        (tag) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === subnetType,
      ),
    )
    .map(([id]) => id);
}

describe.each(ENVIRONMENTS)('stack api-%s', (env) => {
  const settings = SETTINGS[env];

  it('is named after the environment and bound to its account and region', () => {
    expect(stacks[env].stackName).toBe(`api-${env}`);
    expect(stacks[env].account).toBe(ACCOUNTS[env]);
    expect(stacks[env].region).toBe(REGION);
    const errors = stacks[env].node.metadata.filter((entry) => entry.type === 'aws:cdk:error');
    expect(errors).toEqual([]);
  });

  it('spreads the VPC over two AZs with public, private and isolated subnets', () => {
    templates[env].resourceCountIs('AWS::EC2::VPC', 1);
    const zones = Object.values(resourcesOf(env, 'AWS::EC2::Subnet')).map((subnet) =>
      JSON.stringify(subnet.Properties.AvailabilityZone),
    );
    expect(new Set(zones).size).toBe(2);
    for (const type of ['Public', 'Private', 'Isolated'] as const)
      expect(subnetIdsOfType(env, type)).toHaveLength(2);
    templates[env].resourceCountIs('AWS::EC2::NatGateway', settings.vpc.natGateways);
  });

  it('runs Fargate tasks in private subnets behind an HTTPS ALB with the /health check', () => {
    const listeners = Object.values(resourcesOf(env, 'AWS::ElasticLoadBalancingV2::Listener'));
    const https = listeners.find((listener) => listener.Properties.Protocol === 'HTTPS');
    expect(https?.Properties).toMatchObject({
      Port: 443,
      Certificates: [{ CertificateArn: certificateArn(env) }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    const http = listeners.find((listener) => listener.Properties.Protocol === 'HTTP');
    expect(http?.Properties).toMatchObject({
      Port: 80,
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443' } }],
    });
    templates[env].hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Name: `api-${env}`,
    });
    templates[env].hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      Port: 3000,
      Protocol: 'HTTP',
      TargetType: 'ip',
    });
    const service = onlyResource(env, 'AWS::ECS::Service');
    expect(service.Properties).toMatchObject({
      LaunchType: 'FARGATE',
      ServiceName: 'api',
      DesiredCount: settings.scaling.minTasks,
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      LoadBalancers: [{ ContainerName: 'api', ContainerPort: 3000 }],
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    const taskSubnets = (
      service.Properties.NetworkConfiguration as { AwsvpcConfiguration: { Subnets: unknown[] } }
    ).AwsvpcConfiguration.Subnets.map(refTo);
    expect(taskSubnets.sort()).toEqual(subnetIdsOfType(env, 'Private').sort());
  });

  it('scales on CPU and on ALB request count per target between the configured bounds', () => {
    templates[env].hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: settings.scaling.minTasks,
      MaxCapacity: settings.scaling.maxTasks,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    templates[env].hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: settings.scaling.cpuTargetPercent,
      },
    });
    templates[env].hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' },
        TargetValue: settings.scaling.requestsPerTarget,
      },
    });
  });

  it('grants no wildcard action, and a wildcard resource only where AWS requires it', () => {
    const statements = policyStatements(env);
    expect(statements.length).toBeGreaterThan(0);
    for (const { statement } of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asArray(statement.Action)) expect(action).not.toContain('*');
      if (asArray(statement.Resource).includes('*')) {
        expect(asArray(statement.Action)).toEqual(['ecr:GetAuthorizationToken']);
      }
    }
  });

  it('lets the task role invoke only the two configured Bedrock models, and nothing else', () => {
    const modelArns = [settings.bedrock.embedModelId, settings.bedrock.chatModelId].map(
      (modelId) => `arn:aws:bedrock:${REGION}::foundation-model/${modelId}`,
    );
    const taskRoleId = roleIdByPrincipal(env, 'TaskDefinitionTaskRole');
    const taskRoleStatements = policyStatements(env).filter(({ owner }) => owner === taskRoleId);
    expect(taskRoleStatements.map(({ statement }) => statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: modelArns,
      },
    ]);
    const bedrockStatements = policyStatements(env).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('bedrock:')),
    );
    expect(bedrockStatements.map(({ owner }) => owner)).toEqual([taskRoleId]);

    const endpoint = present(
      Object.values(resourcesOf(env, 'AWS::EC2::VPCEndpoint')).find(
        (candidate) => candidate.Properties.ServiceName === `com.amazonaws.${REGION}.bedrock-runtime`,
      ),
    );
    expect(endpoint.Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    const endpointPolicy = endpoint.Properties.PolicyDocument as { Statement: PolicyStatement[] };
    expect(endpointPolicy.Statement).toHaveLength(1);
    expect(endpointPolicy.Statement[0]?.Resource).toEqual(modelArns);
  });

  it('reads secrets only from its own secrets and the configured Snowflake secret, through the execution role', () => {
    const ownSecrets = ownSecretIds(env);
    const executionRoleId = roleIdByPrincipal(env, 'TaskDefinitionExecutionRole');
    const secretStatements = policyStatements(env).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
    const [{ owner, statement }] = secretStatements as [{ owner: string; statement: PolicyStatement }];
    expect(owner).toBe(executionRoleId);
    expect(asArray(statement.Action).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const resources = asArray(statement.Resource);
    expect(resources).toHaveLength(3);
    const references = resources.map(refTo).filter((reference) => reference !== undefined);
    expect(references).toHaveLength(2);
    for (const reference of references) expect(ownSecrets.has(reference)).toBe(true);
    expect(resources).toContain(snowflakeSecretArn(env));
  });

  it('keeps Aurora Serverless v2 PostgreSQL private, isolated and encrypted', () => {
    const database = onlyResource(env, 'AWS::RDS::DBCluster');
    expect(database.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: settings.deletionProtection,
      ServerlessV2ScalingConfiguration: {
        MinCapacity: settings.aurora.minAcu,
        MaxCapacity: settings.aurora.maxAcu,
      },
      BackupRetentionPeriod: settings.aurora.backupRetentionDays,
    });
    const instances = Object.values(resourcesOf(env, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(1 + settings.aurora.readers);
    for (const instance of instances) {
      expect(instance.Properties).toMatchObject({
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
      });
    }
    const subnetGroup = onlyResource(env, 'AWS::RDS::DBSubnetGroup');
    const subnets = (subnetGroup.Properties.SubnetIds as unknown[]).map(refTo).sort();
    expect(subnets).toEqual(subnetIdsOfType(env, 'Isolated').sort());
    const databaseSecurityGroupRef = (
      database.Properties.VpcSecurityGroupIds as { 'Fn::GetAtt': string[] }[]
    )[0];
    const ingress = Object.values(resourcesOf(env, 'AWS::EC2::SecurityGroupIngress')).filter(
      (rule) => JSON.stringify(rule.Properties.GroupId) === JSON.stringify(databaseSecurityGroupRef),
    );
    expect(ingress).toHaveLength(1);
    const service = onlyResource(env, 'AWS::ECS::Service');
    const serviceSecurityGroups = (
      service.Properties.NetworkConfiguration as { AwsvpcConfiguration: { SecurityGroups: unknown[] } }
    ).AwsvpcConfiguration.SecurityGroups;
    expect(serviceSecurityGroups).toHaveLength(1);
    expect(ingress[0]?.Properties.SourceSecurityGroupId).toEqual(serviceSecurityGroups[0]);
    expect(ingress[0]?.Properties).not.toHaveProperty('CidrIp');
  });

  it('runs ElastiCache Redis with TLS in transit and at rest, in isolated subnets', () => {
    const redis = onlyResource(env, 'AWS::ElastiCache::ReplicationGroup');
    expect(redis.Properties).toMatchObject({
      Engine: 'redis',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      CacheNodeType: settings.redis.nodeType,
      NumCacheClusters: 1 + settings.redis.replicas,
    });
    const subnetGroup = onlyResource(env, 'AWS::ElastiCache::SubnetGroup');
    expect((subnetGroup.Properties.SubnetIds as unknown[]).map(refTo).sort()).toEqual(
      subnetIdsOfType(env, 'Isolated').sort(),
    );
    const url = environmentOf(env).REDIS_URL as { 'Fn::Join': [string, unknown[]] };
    expect(url['Fn::Join'][1][0]).toBe('rediss://');
  });

  it('associates a WAF web ACL with a per-IP rate-based rule to the load balancer', () => {
    const webAcl = onlyResource(env, 'AWS::WAFv2::WebACL');
    expect(webAcl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = webAcl.Properties.Rules as { Statement: Record<string, unknown> }[];
    const rateRules = rules.filter((rule) => 'RateBasedStatement' in rule.Statement);
    expect(rateRules).toHaveLength(1);
    expect(rateRules[0]?.Statement.RateBasedStatement).toMatchObject({
      Limit: settings.waf.rateLimitPerIp,
      AggregateKeyType: 'IP',
    });
    const [albId] = logicalIdsOf(env, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const [webAclId] = logicalIdsOf(env, 'AWS::WAFv2::WebACL');
    templates[env].hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: albId },
      WebACLArn: { 'Fn::GetAtt': [webAclId, 'Arn'] },
    });
  });

  it('alarms on 5xx rate, p95 latency and unhealthy hosts with the configured thresholds', () => {
    const alarms = Object.values(resourcesOf(env, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(3);
    const [topicId] = logicalIdsOf(env, 'AWS::SNS::Topic');
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);

    const errorRate = present(alarms.find((alarm) => alarm.Properties.AlarmName === `api-${env}-5xx-rate`));
    expect(errorRate.Properties.Threshold).toBe(settings.alarms.error5xxRatePercent);
    const metricNames = (
      errorRate.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]
    )
      .map((query) => query.MetricStat?.Metric.MetricName)
      .filter(Boolean);
    expect(metricNames.sort()).toEqual([
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
      'RequestCount',
    ]);

    templates[env].hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `api-${env}-p95-latency`,
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Threshold: settings.alarms.p95LatencySeconds,
    });
    templates[env].hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `api-${env}-unhealthy-hosts`,
      MetricName: 'UnHealthyHostCount',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: settings.alarms.unhealthyHosts,
    });
  });

  it('keeps application and database logs for the configured retention', () => {
    templates[env].hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/datalive/api-${env}`,
      RetentionInDays: settings.logRetention,
    });
    templates[env].hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/rds/cluster/datalive-api-${env}/postgresql`,
      RetentionInDays: settings.logRetention,
    });
  });

  it('configures the container for its environment, with its rate-limit profile and no secret in plain env', () => {
    const variables = environmentOf(env);
    expect(variables).toMatchObject({
      DATALIVE_ENV: env,
      RATE_LIMIT_PROFILE: env,
      SNOWFLAKE_DATABASE: `DB_${env.toUpperCase()}`,
      WAREHOUSE: 'snowflake',
      EMBEDDER: 'bedrock',
      LLM: 'bedrock',
      EMBEDDING_DIMENSION: '1024',
      MIGRATE_ON_START: 'true',
      SEED_DEMO: 'false',
      RATE_LIMIT_FAIL_INSIGHTS: 'open',
      RATE_LIMIT_FAIL_RAG: 'closed',
      AWS_REGION: REGION,
      TRUST_PROXY: '1',
    });
    const overrides = variables.RATE_LIMIT_OVERRIDES;
    if (settings.rateLimit.overrides) {
      expect(JSON.parse(String(overrides))).toEqual(settings.rateLimit.overrides);
    } else {
      expect(overrides).toBeUndefined();
    }
    for (const name of SECRET_VARIABLES) expect(variables).not.toHaveProperty(name);
    expect(variables).not.toHaveProperty('DATABASE_URL');

    const ownSecrets = [...ownSecretIds(env)];
    const secrets = Object.fromEntries(
      container(env).Secrets.map((secret) => [secret.Name, secret.ValueFrom]),
    );
    expect(Object.keys(secrets).sort()).toEqual([...SECRET_VARIABLES].sort());
    expect(secrets.SNOWFLAKE_PRIVATE_KEY).toBe(`${snowflakeSecretArn(env)}:privateKey::`);
    expect(secrets.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE).toBe(`${snowflakeSecretArn(env)}:passphrase::`);
    for (const name of ['API_KEY_PEPPER', 'DATABASE_USER', 'DATABASE_PASSWORD']) {
      const reference = JSON.stringify(secrets[name]);
      expect(ownSecrets.some((id) => reference.includes(`"Ref":"${id}"`))).toBe(true);
    }
  });

  it('verifies Aurora over TLS with the RDS CA bundle the image ships, and trusts exactly the ALB hop', () => {
    const variables = environmentOf(env);
    expect(variables).toMatchObject({ DATABASE_SSL: 'true', TRUST_PROXY: '1' });
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const shipped =
      /ADD --checksum=sha256:[0-9a-f]{64} \S* ?https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem (\S+)/.exec(
        dockerfile,
      );
    expect(variables.DATABASE_SSL_CA_FILE).toBe(present(shipped?.[1]));
    const parameterGroup = onlyResource(env, 'AWS::RDS::DBClusterParameterGroup');
    expect(parameterGroup.Properties.Parameters).toEqual({ 'rds.force_ssl': '1' });
    const cluster = onlyResource(env, 'AWS::RDS::DBCluster');
    expect(JSON.stringify(cluster.Properties.DBClusterParameterGroupName)).toContain(
      present(logicalIdsOf(env, 'AWS::RDS::DBClusterParameterGroup')[0]),
    );
  });

  it('lets tasks out on 443 and, for Snowflake revocation checks, on 80 only', () => {
    const group = Object.values(resourcesOf(env, 'AWS::EC2::SecurityGroup')).find((candidate) =>
      String(candidate.Properties.GroupDescription).endsWith('API tasks'),
    );
    const egress = (present(group).Properties.SecurityGroupEgress ?? []) as {
      CidrIp?: string;
      IpProtocol: string;
      FromPort: number;
      ToPort: number;
      Description: string;
    }[];
    const toInternet = egress.filter((rule) => rule.CidrIp === '0.0.0.0/0');
    expect(toInternet.map((rule) => [rule.IpProtocol, rule.FromPort, rule.ToPort]).sort()).toEqual([
      ['tcp', 443, 443],
      ['tcp', 80, 80],
    ]);
    expect(toInternet.find((rule) => rule.FromPort === 80)?.Description).toMatch(/OCSP/);
  });

  it('gives the container a liveness health check on /health, the path the ALB checks', () => {
    const healthCheck = present(container(env).HealthCheck);
    expect(healthCheck.Command[0]).toBe('CMD');
    expect(healthCheck.Command.join(' ')).toContain("fetch('http://127.0.0.1:3000/health')");
    expect(healthCheck).toMatchObject({ Interval: 15, Timeout: 5, Retries: 3, StartPeriod: 60 });
    templates[env].hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
    });
  });

  it('points the app at the writer only; readers exist solely as failover targets', () => {
    const variables = environmentOf(env);
    expect(Object.keys(variables).filter((name) => /READER|REPLICA/.test(name))).toEqual([]);
    expect(JSON.stringify(variables.DATABASE_HOST)).toContain('"Endpoint.Address"');
    const instances = Object.values(resourcesOf(env, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(1 + settings.aurora.readers);
  });

  it('deploys the image tag from context out of the ECR repository', () => {
    const image = JSON.stringify(container(env).Image);
    expect(image).toContain(`${ACCOUNTS[env]}.dkr.ecr.${REGION}.`);
    expect(image).toContain(`/${settings.ecrRepositoryName}:${IMAGE_TAG}`);
  });

  it('sets a container environment that the application configuration accepts', () => {
    const standIns: Record<string, string> = {
      DATABASE_HOST: 'datalive.cluster-abc.eu-west-1.rds.amazonaws.com',
      REDIS_URL: 'rediss://master.redis.abc.euw1.cache.amazonaws.com:6379',
    };
    const plain = Object.fromEntries(
      Object.entries(environmentOf(env)).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : (standIns[name] ?? 'unresolved'),
      ]),
    );
    const secrets = Object.fromEntries(
      SECRET_VARIABLES.map((name) => [name, `${name.toLowerCase()}-`.repeat(4)]),
    );
    const caBundle = path.join(mkdtempSync(path.join(tmpdir(), 'datalive-ca-')), 'rds-global-bundle.pem');
    writeFileSync(caBundle, 'stand-in for the bundle the image ships');
    const config = loadConfig({ ...plain, ...secrets, DATABASE_SSL_CA_FILE: caBundle });
    const databaseUrl = new URL(config.database.mode === 'external' ? config.database.url : 'embedded:');
    expect(databaseUrl.searchParams.get('sslmode')).toBe('verify-full');
    expect(databaseUrl.searchParams.get('sslrootcert')).toBe(caBundle);
    expect(config.trustProxyHops).toBe(1);
    expect(config.env).toBe(env);
    expect(config.port).toBe(3000);
    expect(config.warehouse).toMatchObject({
      kind: 'snowflake',
      database: `DB_${env.toUpperCase()}`,
      account: 'acme-datalive',
    });
    expect(config.embedder).toMatchObject({ kind: 'bedrock', dimension: 1024 });
    expect(config.llm.kind).toBe('bedrock');
    expect(config.rateLimit.redisUrl).toMatch(/^rediss:\/\//);
    expect(config.rateLimit.failMode).toEqual({ insights: 'open', rag: 'closed', admin: 'closed' });
    expect(config.keys.pepper).toBeDefined();
    expect(config.profile.rateLimits).toMatchObject(settings.rateLimit.overrides ?? {});
  });
});

describe('per-environment differences', () => {
  it('gives prod deletion protection, more tasks and longer retention than dev and qa', () => {
    const databaseOf = (env: Environment) => onlyResource(env, 'AWS::RDS::DBCluster').Properties;
    expect(databaseOf('prod')?.DeletionProtection).toBe(true);
    expect(databaseOf('dev')?.DeletionProtection).toBe(false);
    expect(stacks.prod.terminationProtection).toBe(true);
    expect(stacks.dev.terminationProtection).toBe(false);
    templates.prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });

    const scalingOf = (env: Environment) =>
      onlyResource(env, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties as {
        MinCapacity: number;
        MaxCapacity: number;
      };
    const desiredOf = (env: Environment) =>
      onlyResource(env, 'AWS::ECS::Service').Properties.DesiredCount as number;
    for (const other of ['dev', 'qa'] as const) {
      expect(scalingOf('prod').MinCapacity).toBeGreaterThan(scalingOf(other).MinCapacity);
      expect(scalingOf('prod').MaxCapacity).toBeGreaterThan(scalingOf(other).MaxCapacity);
      expect(desiredOf('prod')).toBeGreaterThan(desiredOf(other));
    }
    expect(desiredOf('prod')).toBeGreaterThanOrEqual(2);

    const retentionOf = (env: Environment) =>
      Object.values(resourcesOf(env, 'AWS::Logs::LogGroup')).find(
        (group) => group.Properties.LogGroupName === `/datalive/api-${env}`,
      )?.Properties.RetentionInDays as number;
    expect(retentionOf('prod')).toBeGreaterThan(retentionOf('qa'));
    expect(retentionOf('qa')).toBeGreaterThan(retentionOf('dev'));
  });

  it('retains prod log groups and the pepper when the stack is deleted, but not dev ones', () => {
    const policyOf = (env: Environment, type: string, predicate: (resource: CfnResource) => boolean) =>
      (
        Object.values(templates[env].findResources(type)) as (CfnResource & { DeletionPolicy?: string })[]
      ).find(predicate)?.DeletionPolicy;
    const isAppLogs = (env: Environment) => (group: CfnResource) =>
      group.Properties.LogGroupName === `/datalive/api-${env}`;
    const isPepper = (secret: CfnResource) =>
      String(secret.Properties.Description).includes('pepper of API key hashes');
    expect(policyOf('prod', 'AWS::Logs::LogGroup', isAppLogs('prod'))).toBe('Retain');
    expect(policyOf('dev', 'AWS::Logs::LogGroup', isAppLogs('dev'))).toBe('Delete');
    expect(policyOf('prod', 'AWS::SecretsManager::Secret', isPepper)).toBe('Retain');
    expect(policyOf('dev', 'AWS::SecretsManager::Secret', isPepper)).toBe('Delete');
  });

  it('uses a different WAF limit and rate-limit settings in each environment', () => {
    const wafLimits = ENVIRONMENTS.map((env) => {
      const rules = onlyResource(env, 'AWS::WAFv2::WebACL').Properties.Rules as {
        Statement: { RateBasedStatement?: { Limit: number } };
      }[];
      return rules.find((rule) => rule.Statement.RateBasedStatement)?.Statement.RateBasedStatement?.Limit;
    });
    expect(new Set(wafLimits).size).toBe(3);
    expect(wafLimits[2]).toBeGreaterThan(wafLimits[0] ?? Number.POSITIVE_INFINITY);

    const rateLimitVariables = ENVIRONMENTS.map((env) => {
      const variables = environmentOf(env);
      return JSON.stringify([variables.RATE_LIMIT_PROFILE, variables.RATE_LIMIT_OVERRIDES ?? null]);
    });
    expect(new Set(rateLimitVariables).size).toBe(3);
  });
});

describe('incomplete deployment context', () => {
  it('marks only the stacks whose context is missing with errors, without failing the others', () => {
    const context = fullContext();
    const deployments = context[DEPLOYMENT_CONTEXT_KEY] as Record<string, unknown>;
    const app = new App({ context: { ...context, [DEPLOYMENT_CONTEXT_KEY]: { dev: deployments.dev } } });
    const partial = buildApp(app);
    const errorsOf = (env: Environment) =>
      partial[env].node.metadata.filter((entry) => entry.type === 'aws:cdk:error').map((entry) => entry.data);
    expect(errorsOf('dev')).toEqual([]);
    expect(errorsOf('prod')).toEqual(
      expect.arrayContaining([
        'context datalive.prod.account is required',
        'context datalive.prod.certificateArn is required',
      ]),
    );
    expect(partial.prod.account).not.toBe(ACCOUNTS.prod);
  });
});
