import type { Node } from 'constructs';
import { z } from 'zod';
import type { Environment } from '../../src/profiles.js';

/** Context key (in `cdk.json` or `-c`) holding one object per environment with its deployment target. */
export const DEPLOYMENT_CONTEXT_KEY = 'datalive';

/** Context key of the image tag to deploy (`-c imageTag=<git sha>`). */
export const IMAGE_TAG_CONTEXT_KEY = 'imageTag';

/** Where and what to deploy: values that are not reviewed settings (account ids, ARNs, the image tag). */
export interface Deployment {
  account: string;
  region: string;
  /** ACM certificate (same region) for the HTTPS listener. */
  certificateArn: string;
  /** Snowflake account identifier (`orgname-accountname`). */
  snowflakeAccount: string;
  /**
   * Complete ARN (with the 6-character suffix ECS needs) of the secret holding the Snowflake key pair as
   * JSON `{"privateKey": "<PEM>", "passphrase": "..."}`; created before the first deployment (docs/deploy.md).
   */
  snowflakeSecretArn: string;
  /** Optional address subscribed to the alarm topic. */
  alarmEmail: string | undefined;
  /** Immutable ECR image tag (a git SHA or release version; never `latest`). */
  imageTag: string;
}

/** A deployment plus the problems found while reading it; missing values are replaced by inert placeholders. */
export interface ResolvedDeployment {
  deployment: Deployment;
  /** True when account and region are known, so the stack can be bound to them. */
  hasTarget: boolean;
  problems: string[];
}

const fields = {
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN'),
  snowflakeAccount: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a Snowflake account identifier'),
  snowflakeSecretArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
      'must be the complete secret ARN, including the 6-character suffix',
    ),
  alarmEmail: z.email('must be an email address'),
  imageTag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag')
    .refine((tag) => tag !== 'latest', 'must be immutable (a git SHA or version), not latest'),
} as const;

const PLACEHOLDERS: Omit<Deployment, 'alarmEmail'> = {
  account: '000000000000',
  region: 'us-east-1',
  certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/unset',
  snowflakeAccount: 'unset',
  snowflakeSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:unset-AAAAAA',
  imageTag: 'unset',
};

/**
 * Reads the deployment of `env` from context: `datalive.<env>.{account,region,certificateArn,snowflakeAccount,
 * snowflakeSecretArn,alarmEmail?}` and `imageTag`. Never throws, so one environment's missing values cannot block deploying
 * another; the stack turns `problems` into synthesis errors that fail only its own deployment.
 */
export function resolveDeployment(node: Node, env: Environment): ResolvedDeployment {
  const all: unknown = node.tryGetContext(DEPLOYMENT_CONTEXT_KEY);
  const raw = isRecord(all) && isRecord(all[env]) ? all[env] : {};
  const problems: string[] = [];
  const given: Partial<Record<keyof typeof fields, string>> = {};
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const isImageTag = key === IMAGE_TAG_CONTEXT_KEY;
    const label = isImageTag ? key : `${DEPLOYMENT_CONTEXT_KEY}.${env}.${key}`;
    const value: unknown = isImageTag ? node.tryGetContext(key) : raw[key];
    if (value === undefined || value === '') {
      if (key !== 'alarmEmail') problems.push(`context ${label} is required`);
      continue;
    }
    const parsed = fields[key].safeParse(value);
    if (parsed.success) given[key] = parsed.data;
    else problems.push(`context ${label} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  }
  for (const key of ['certificateArn', 'snowflakeSecretArn'] as const) {
    const [, , , region, account] = given[key]?.split(':') ?? [];
    const label = `context ${DEPLOYMENT_CONTEXT_KEY}.${env}.${key}`;
    if (given.region && region && region !== given.region)
      problems.push(`${label} must be in ${given.region}`);
    if (given.account && account && account !== given.account) {
      problems.push(`${label} must belong to account ${given.account}`);
    }
  }
  return {
    deployment: {
      account: given.account ?? PLACEHOLDERS.account,
      region: given.region ?? PLACEHOLDERS.region,
      certificateArn: given.certificateArn ?? PLACEHOLDERS.certificateArn,
      snowflakeAccount: given.snowflakeAccount ?? PLACEHOLDERS.snowflakeAccount,
      snowflakeSecretArn: given.snowflakeSecretArn ?? PLACEHOLDERS.snowflakeSecretArn,
      imageTag: given.imageTag ?? PLACEHOLDERS.imageTag,
      alarmEmail: given.alarmEmail,
    },
    hasTarget: given.account !== undefined && given.region !== undefined,
    problems,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
