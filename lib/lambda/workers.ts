import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';

import { detectors } from '../detect/registry.ts';
import { loadFunctionConfig } from './config-source.ts';
import { AwsEnvSchema, DetectorEnvSchema, KubeconfigEnvSchema, parseEnv, RemediatorEnvSchema } from '../env.ts';
import { ssmKillSwitch } from '../guardrails/kill-switch.ts';
import { createDynamoTargetGuard } from '../guardrails/target-guard.ts';
import { createRegistryProvider } from '../kube/registry-provider.ts';
import { createLogger } from '../logger.ts';
import { describeError } from '../errors.ts';
import { fanOut, type Notifier } from '../notify/notifier.ts';
import { emfMetrics } from '../observe/metrics.ts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { metricsSources } from '../models/consult.ts';
import { loadModelConfig } from '../models/model-config.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { slackNotifier } from '../notify/slack.ts';
import { snsNotifier } from '../notify/sns.ts';
import type { DetectDeps } from '../pipeline/detect.ts';
import type { PlanMessage } from '../pipeline/messages.ts';
import type { RemediateDeps } from '../pipeline/remediate.ts';
import { createSqsQueue } from '../queue/sqs-queue.ts';
import { remediators } from '../remediate/registry.ts';
import { createEnvParameterStore, createSsmParameterStore, ssmClient } from '../secrets/parameters.ts';
import { createDynamoOutcomeStore } from '../store/dynamodb-outcome-store.ts';

/** The detector Lambda's dependencies, built once per container from its environment. */
export async function createDetectorDeps(env: NodeJS.ProcessEnv): Promise<DetectDeps> {
  const config = parseEnv(DetectorEnvSchema, env);
  const aws = parseEnv(AwsEnvSchema, env);
  const kubeconfig = parseEnv(KubeconfigEnvSchema, env);
  const parameters = createSsmParameterStore(ssmClient(aws));
  const agentConfig = await loadFunctionConfig(config, parameters);
  return {
    store: createDynamoOutcomeStore(new DynamoDBClient({}), {
      tableName: config.KUBEMEND_TABLE_NAME,
      retentionDays: config.KUBEMEND_RETENTION_DAYS,
    }),
    config: agentConfig,
    detectors,
    remediators,
    kube: createRegistryProvider(agentConfig, {
      identity: 'detector',
      timeoutMs: config.KUBEMEND_KUBE_TIMEOUT_SECONDS * 1000,
      kubeconfig,
    }),
    plans: createSqsQueue<PlanMessage>(config.KUBEMEND_PLAN_QUEUE_URL, aws),
    clock: () => new Date(),
    logger: createLogger({ level: config.KUBEMEND_LOG_LEVEL, name: 'kubemend-detector' }),
    metrics: emfMetrics('kubemend-detector'),
    metricsFor: metricsSources(
      (cluster) =>
        prometheusFor(agentConfig, cluster, {
          env: createEnvParameterStore(env),
          ssm: parameters,
          credentials: defaultProvider(),
        }),
      loadModelConfig(config.KUBEMEND_MODEL_CONFIG_PATH),
    ),
    leaseMs: config.KUBEMEND_LEASE_SECONDS * 1000,
  };
}

/** The remediator Lambda's dependencies, built once per container from its environment. */
export async function createRemediatorDeps(env: NodeJS.ProcessEnv): Promise<RemediateDeps> {
  const config = parseEnv(RemediatorEnvSchema, env);
  const aws = parseEnv(AwsEnvSchema, env);
  const kubeconfig = parseEnv(KubeconfigEnvSchema, env);
  const parameters = createSsmParameterStore(ssmClient(aws));
  const agentConfig = await loadFunctionConfig(config, parameters);
  const dynamo = new DynamoDBClient({});
  const logger = createLogger({ level: config.KUBEMEND_LOG_LEVEL, name: 'kubemend-remediator' });
  const notifiers: Notifier[] = [];
  if (config.KUBEMEND_SNS_TOPIC_ARN !== undefined) {
    notifiers.push(snsNotifier(new SNSClient({}), config.KUBEMEND_SNS_TOPIC_ARN));
  }
  const slackParameter = config.KUBEMEND_SLACK_WEBHOOK_PARAMETER;
  if (slackParameter !== undefined) {
    // The webhook URL is a credential: read from SSM on first use, kept only in memory.
    notifiers.push(slackNotifier(async () => (await parameters.get(slackParameter)) ?? ''));
  }
  return {
    notifier:
      notifiers.length === 0
        ? undefined
        : fanOut(notifiers, (error) => logger.warn({ error: describeError(error) }, 'notification not sent')),
    store: createDynamoOutcomeStore(dynamo, {
      tableName: config.KUBEMEND_TABLE_NAME,
      retentionDays: config.KUBEMEND_RETENTION_DAYS,
    }),
    config: agentConfig,
    remediators,
    kube: createRegistryProvider(agentConfig, {
      identity: 'remediator',
      timeoutMs: config.KUBEMEND_KUBE_TIMEOUT_SECONDS * 1000,
      kubeconfig,
    }),
    killSwitch: ssmKillSwitch(parameters, config.KUBEMEND_KILL_SWITCH_PARAMETER, { cacheMs: 30_000 }),
    targetGuard: createDynamoTargetGuard(dynamo, { tableName: config.KUBEMEND_TABLE_NAME }),
    ...(config.KUBEMEND_PLAN_QUEUE_URL === undefined
      ? {}
      : { followUps: createSqsQueue<PlanMessage>(config.KUBEMEND_PLAN_QUEUE_URL, aws) }),
    clock: () => new Date(),
    logger,
    metrics: emfMetrics('kubemend-remediator'),
    leaseMs: config.KUBEMEND_LEASE_SECONDS * 1000,
  };
}
