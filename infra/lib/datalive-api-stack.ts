import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { Deployment } from './deployment.js';
import { assertValidSettings, type StackSettings } from './settings.js';

/** Port the container listens on (`PORT`). */
export const CONTAINER_PORT = 3000;
/** Name of the application container in the task definition (used by `aws ecs run-task` overrides). */
export const CONTAINER_NAME = 'api';
/** Database created in Aurora for keys, audit and pgvector. */
export const DATABASE_NAME = 'datalive';
/** Liveness path probed by the load balancer. */
export const HEALTH_CHECK_PATH = '/health';
/** Where the image keeps the Amazon RDS global CA bundle (Dockerfile); Aurora's certificate is verified against it. */
export const RDS_CA_BUNDLE_PATH = '/etc/ssl/certs/rds-global-bundle.pem';
/**
 * Port of the certificate revocation checks snowflake-sdk runs before trusting Snowflake's certificate: OCSP
 * (and CRL downloads) are plain HTTP. Without it every new connection waits out the OCSP timeouts (5-15 s).
 */
export const OCSP_PORT = 80;

/**
 * Proxies in front of the container that append to `X-Forwarded-For`: exactly the ALB (append mode), so
 * the client address is the right-most entry and anything a client wrote further left is ignored.
 */
export const ALB_PROXY_HOPS = 1;
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const STOP_TIMEOUT = Duration.seconds(30);
const SHUTDOWN_GRACE = Duration.seconds(25);
const DEREGISTRATION_DELAY = Duration.seconds(30);
const ALARM_PERIOD = Duration.minutes(1);

/** Props of {@link DataliveApiStack}. */
export interface DataliveApiStackProps extends StackProps {
  settings: StackSettings;
  deployment: Deployment;
  /** Problems found in the deployment context; each becomes a synthesis error on this stack only. */
  deploymentProblems?: readonly string[];
}

/**
 * One environment of the DatAlive API: VPC over two AZs, ECS Fargate behind an HTTPS ALB with WAF,
 * Aurora PostgreSQL Serverless v2 (keys, audit, pgvector), ElastiCache Redis (shared rate limits),
 * Secrets Manager, a Bedrock VPC endpoint, autoscaling and alarms. Everything that differs between
 * environments comes from `settings`.
 */
export class DataliveApiStack extends Stack {
  /** The Fargate service running the API. */
  readonly service: ecs.FargateService;
  /** The public load balancer in front of the service. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;

  constructor(scope: Construct, id: string, props: DataliveApiStackProps) {
    super(scope, id, {
      ...props,
      stackName: props.settings.stackName,
      terminationProtection: props.settings.deletionProtection,
    });
    const { settings, deployment } = props;
    assertValidSettings(settings);
    for (const problem of props.deploymentProblems ?? []) Annotations.of(this).addError(problem);

    const name = settings.stackName;
    const retainOrDestroy = settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    Tags.of(this).add('application', 'datalive-api');
    Tags.of(this).add('environment', settings.env);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(settings.vpc.cidr),
      maxAzs: 2,
      natGateways: settings.vpc.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const appSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const dataSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: `${name} API tasks`,
      allowAllOutbound: false,
    });
    serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: Snowflake, ECR, AWS APIs',
    );
    serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(OCSP_PORT),
      'HTTP: Snowflake certificate revocation checks (OCSP responders, CRLs); responses are signed',
    );

    const modelArns = [settings.bedrock.embedModelId, settings.bedrock.chatModelId].map((modelId) =>
      this.formatArn({
        service: 'bedrock',
        account: '',
        resource: 'foundation-model',
        resourceName: modelId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const bedrockActions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
    const bedrockEndpoint = vpc.addInterfaceEndpoint('BedrockRuntime', {
      service: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
      subnets: appSubnets,
      privateDnsEnabled: true,
      open: false,
    });
    bedrockEndpoint.connections.allowDefaultPortFrom(serviceSecurityGroup, 'API tasks to Bedrock');
    bedrockEndpoint.addToPolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: bedrockActions,
        resources: modelArns,
        conditions: { StringEquals: { 'aws:PrincipalAccount': this.account } },
      }),
    );

    const pepperSecret = new secretsmanager.Secret(this, 'ApiKeyPepper', {
      description: `${name}: pepper of API key hashes. Changing it invalidates every key (see docs/deploy.md).`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: retainOrDestroy,
    });
    const snowflakeSecret = secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'SnowflakeKey',
      deployment.snowflakeSecretArn,
    );

    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: `${name} Aurora PostgreSQL`,
      allowAllOutbound: false,
    });
    const clusterIdentifier = `datalive-${name}`;
    const databaseLogGroup = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: settings.logRetention,
      removalPolicy: retainOrDestroy,
    });
    const database = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: settings.aurora.engineVersion }),
      clusterIdentifier,
      credentials: rds.Credentials.fromGeneratedSecret('datalive', {
        excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
      }),
      defaultDatabaseName: DATABASE_NAME,
      port: POSTGRES_PORT,
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false }),
      readers: Array.from({ length: settings.aurora.readers }, (_, index) =>
        rds.ClusterInstance.serverlessV2(`Reader${index + 1}`, {
          publiclyAccessible: false,
          scaleWithWriter: true,
        }),
      ),
      serverlessV2MinCapacity: settings.aurora.minAcu,
      serverlessV2MaxCapacity: settings.aurora.maxAcu,
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [databaseSecurityGroup],
      storageEncrypted: true,
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backup: { retention: Duration.days(settings.aurora.backupRetentionDays) },
      cloudwatchLogsExports: ['postgresql'],
      parameters: { 'rds.force_ssl': '1' },
    });
    database.node.addDependency(databaseLogGroup);
    database.connections.allowDefaultPortFrom(serviceSecurityGroup, 'API tasks to Aurora');
    const databaseSecret = database.secret;
    if (!databaseSecret) throw new Error('Aurora cluster has no generated secret');

    const redisSecurityGroup = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: `${name} ElastiCache Redis (rate limits)`,
      allowAllOutbound: false,
    });
    new ec2.Connections({
      securityGroups: [redisSecurityGroup],
      defaultPort: ec2.Port.tcp(REDIS_PORT),
    }).allowDefaultPortFrom(serviceSecurityGroup, 'API tasks to Redis');
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: `${name} Redis in isolated subnets`,
      subnetIds: vpc.selectSubnets(dataSubnets).subnetIds,
    });
    const redisHasReplicas = settings.redis.replicas > 0;
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `${name} shared rate limits`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: settings.redis.nodeType,
      numCacheClusters: 1 + settings.redis.replicas,
      automaticFailoverEnabled: redisHasReplicas,
      multiAzEnabled: redisHasReplicas,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      port: REDIS_PORT,
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSecurityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: name,
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const appLogGroup = new logs.LogGroup(this, 'ApiLogs', {
      logGroupName: `/datalive/${name}`,
      retention: settings.logRetention,
      removalPolicy: retainOrDestroy,
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: name,
      cpu: settings.task.cpu,
      memoryLimitMiB: settings.task.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({ actions: bedrockActions, resources: modelArns }),
    );

    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', settings.ecrRepositoryName);
    taskDefinition.addContainer('Api', {
      containerName: CONTAINER_NAME,
      image: ecs.ContainerImage.fromEcrRepository(repository, deployment.imageTag),
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP }],
      environment: this.containerEnvironment(settings, deployment, {
        databaseHost: database.clusterEndpoint.hostname,
        redisUrl: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`,
      }),
      secrets: {
        DATABASE_USER: ecs.Secret.fromSecretsManager(databaseSecret, 'username'),
        DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(databaseSecret, 'password'),
        API_KEY_PEPPER: ecs.Secret.fromSecretsManager(pepperSecret),
        SNOWFLAKE_PRIVATE_KEY: ecs.Secret.fromSecretsManager(snowflakeSecret, 'privateKey'),
        SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: ecs.Secret.fromSecretsManager(snowflakeSecret, 'passphrase'),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: appLogGroup,
        streamPrefix: CONTAINER_NAME,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
      stopTimeout: STOP_TIMEOUT,
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${CONTAINER_PORT}${HEALTH_CHECK_PATH}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
    });

    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: CONTAINER_NAME,
      cluster,
      taskDefinition,
      desiredCount: settings.scaling.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      vpcSubnets: appSubnets,
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      loadBalancerName: name,
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      deletionProtection: settings.deletionProtection,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(120),
    });
    const httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(deployment.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: true,
    });
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    const targetGroup = httpsListener.addTargets('Api', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [
        this.service.loadBalancerTarget({ containerName: CONTAINER_NAME, containerPort: CONTAINER_PORT }),
      ],
      deregistrationDelay: DEREGISTRATION_DELAY,
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: settings.scaling.minTasks,
      maxCapacity: settings.scaling.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: settings.scaling.cpuTargetPercent,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    scaling.scaleOnRequestCount('Requests', {
      targetGroup,
      requestsPerTarget: settings.scaling.requestsPerTarget,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    this.addWebAcl(settings);
    const alarmTopic = this.addAlarms(settings, deployment, targetGroup);

    const outputs: Record<string, string> = {
      LoadBalancerDnsName: this.loadBalancer.loadBalancerDnsName,
      ClusterName: cluster.clusterName,
      ServiceName: this.service.serviceName,
      TaskDefinitionFamily: taskDefinition.family,
      ContainerName: CONTAINER_NAME,
      AppSubnetIds: vpc.selectSubnets(appSubnets).subnetIds.join(','),
      ServiceSecurityGroupId: serviceSecurityGroup.securityGroupId,
      ApiLogGroupName: appLogGroup.logGroupName,
      DatabaseSecretArn: databaseSecret.secretArn,
      PepperSecretArn: pepperSecret.secretArn,
      AlarmTopicArn: alarmTopic.topicArn,
    };
    for (const [outputName, value] of Object.entries(outputs)) new CfnOutput(this, outputName, { value });
  }

  private containerEnvironment(
    settings: StackSettings,
    deployment: Deployment,
    endpoints: { databaseHost: string; redisUrl: string },
  ): Record<string, string> {
    const { overrides } = settings.rateLimit;
    return {
      DATALIVE_ENV: settings.env,
      HOST: '0.0.0.0',
      PORT: String(CONTAINER_PORT),
      TRUST_PROXY: String(ALB_PROXY_HOPS),
      DATABASE_HOST: endpoints.databaseHost,
      DATABASE_PORT: String(POSTGRES_PORT),
      DATABASE_NAME,
      DATABASE_POOL_MAX: String(settings.task.databasePoolMax),
      DATABASE_SSL: 'true',
      DATABASE_SSL_CA_FILE: RDS_CA_BUNDLE_PATH,
      MIGRATE_ON_START: 'true',
      WAREHOUSE: 'snowflake',
      SNOWFLAKE_ACCOUNT: deployment.snowflakeAccount,
      SNOWFLAKE_USER: settings.snowflake.user,
      SNOWFLAKE_ROLE: settings.snowflake.role,
      SNOWFLAKE_DATABASE: settings.snowflake.database,
      SNOWFLAKE_WAREHOUSE: settings.snowflake.warehouse,
      EMBEDDER: 'bedrock',
      LLM: 'bedrock',
      AWS_REGION: this.region,
      BEDROCK_EMBED_MODEL_ID: settings.bedrock.embedModelId,
      BEDROCK_CHAT_MODEL_ID: settings.bedrock.chatModelId,
      EMBEDDING_DIMENSION: String(settings.bedrock.embeddingDimension),
      REDIS_URL: endpoints.redisUrl,
      RATE_LIMIT_PROFILE: settings.rateLimit.profile,
      ...(overrides ? { RATE_LIMIT_OVERRIDES: JSON.stringify(overrides) } : {}),
      RATE_LIMIT_FAIL_INSIGHTS: 'open',
      RATE_LIMIT_FAIL_RAG: 'closed',
      RATE_LIMIT_FAIL_ADMIN: 'closed',
      LOG_LEVEL: settings.task.logLevel,
      SEED_DEMO: 'false',
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE.toMilliseconds()),
    };
  }

  private addWebAcl(settings: StackSettings): void {
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${settings.stackName}-${metricName}`,
    });
    const managedRule = (priority: number, ruleGroup: string): wafv2.CfnWebACL.RuleProperty => ({
      name: ruleGroup,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: ruleGroup } },
      visibilityConfig: visibility(ruleGroup),
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: settings.stackName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('web-acl'),
      customResponseBodies: {
        'rate-limited': {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too Many Requests',
            status: 429,
            code: 'rate_limited',
            detail: 'Too many requests from this address; retry later.',
          }),
        },
      },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'rate-limited',
                responseHeaders: [{ name: 'retry-after', value: '60' }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: settings.waf.rateLimitPerIp,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managedRule(1, 'AWSManagedRulesAmazonIpReputationList'),
        managedRule(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: webAcl.attrArn,
    });
  }

  private addAlarms(
    settings: StackSettings,
    deployment: Deployment,
    targetGroup: elbv2.ApplicationTargetGroup,
  ): sns.Topic {
    const { alarms, stackName } = settings;
    const topic = new sns.Topic(this, 'AlarmTopic', { topicName: `${stackName}-alarms`, enforceSSL: true });
    if (deployment.alarmEmail)
      topic.addSubscription(new snsSubscriptions.EmailSubscription(deployment.alarmEmail));
    const action = new cloudwatchActions.SnsAction(topic);
    const evaluation = {
      evaluationPeriods: alarms.evaluationPeriods,
      datapointsToAlarm: alarms.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const lbMetrics = this.loadBalancer.metrics;
    const errorRate = new cloudwatch.MathExpression({
      label: '5xx responses (% of requests)',
      expression:
        'IF(FILL(requests, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 0), 0)',
      usingMetrics: {
        requests: lbMetrics.requestCount({ period: ALARM_PERIOD, statistic: 'Sum' }),
        target5xx: lbMetrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          period: ALARM_PERIOD,
          statistic: 'Sum',
        }),
        elb5xx: lbMetrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
          period: ALARM_PERIOD,
          statistic: 'Sum',
        }),
      },
      period: ALARM_PERIOD,
    });
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const definitions: {
      id: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      comparisonOperator: cloudwatch.ComparisonOperator;
      description: string;
    }[] = [
      {
        id: '5xx-rate',
        metric: errorRate,
        threshold: alarms.error5xxRatePercent,
        comparisonOperator: above,
        description: `5xx responses above ${alarms.error5xxRatePercent}% of requests`,
      },
      {
        id: 'p95-latency',
        metric: targetGroup.metrics.targetResponseTime({ period: ALARM_PERIOD, statistic: 'p95' }),
        threshold: alarms.p95LatencySeconds,
        comparisonOperator: above,
        description: `p95 target response time above ${alarms.p95LatencySeconds} s`,
      },
      {
        id: 'unhealthy-hosts',
        metric: targetGroup.metrics.unhealthyHostCount({ period: ALARM_PERIOD, statistic: 'Maximum' }),
        threshold: alarms.unhealthyHosts,
        comparisonOperator: atLeast,
        description: `${alarms.unhealthyHosts} or more unhealthy targets`,
      },
    ];
    for (const definition of definitions) {
      const alarm = new cloudwatch.Alarm(this, `Alarm-${definition.id}`, {
        alarmName: `${stackName}-${definition.id}`,
        alarmDescription: `${stackName}: ${definition.description}. Runbook: docs/deploy.md.`,
        metric: definition.metric,
        threshold: definition.threshold,
        comparisonOperator: definition.comparisonOperator,
        ...evaluation,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return topic;
  }
}
