import type { App } from 'aws-cdk-lib';
import { ENVIRONMENTS, type Environment } from '../../src/profiles.js';
import { DataliveApiStack } from './datalive-api-stack.js';
import { resolveDeployment } from './deployment.js';
import { SETTINGS } from './settings.js';

/**
 * Adds the `api-dev`, `api-qa` and `api-prod` stacks to `app`, each from its settings and its deployment
 * context. A stack whose context is incomplete still synthesises, carrying errors that block only its own
 * deployment.
 */
export function buildApp(app: App): Record<Environment, DataliveApiStack> {
  const entries = ENVIRONMENTS.map((env) => {
    const settings = SETTINGS[env];
    const { deployment, hasTarget, problems } = resolveDeployment(app.node, env);
    const stack = new DataliveApiStack(app, settings.stackName, {
      settings,
      deployment,
      deploymentProblems: problems,
      env: hasTarget ? { account: deployment.account, region: deployment.region } : undefined,
      description: `DatAlive API (${env}): ECS Fargate, ALB, WAF, Aurora PostgreSQL, Redis`,
    });
    return [env, stack] as const;
  });
  return Object.fromEntries(entries) as Record<Environment, DataliveApiStack>;
}
