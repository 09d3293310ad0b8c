import type { AwsCredentialIdentityProvider } from '@smithy/types';

import { createApp, type App, type Ports } from '../app/app.ts';
import { createDynamoFindingsStore } from '../audit/dynamodb-findings-store.ts';
import { dynamoDbClient } from '../aws/dynamodb.ts';
import type { AwsJsonClient } from '../aws/json-protocol.ts';
import { commonJsExports } from '../commonjs.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import {
  AuditEnvSchema,
  parseAwsEnv,
  DetectorEnvSchema,
  KubeconfigEnvSchema,
  parseEnv,
  RemediatorEnvSchema,
} from '../env.ts';
import { describeError } from '../errors.ts';
import { ssmKillSwitch } from '../guardrails/kill-switch.ts';
import { createDynamoTargetGuard } from '../guardrails/target-guard.ts';
import { createRegistryProvider, type KubeIdentity } from '../clusters/registry-provider.ts';
import { createLogger, type Logger } from '../logger.ts';
import { metricsSources } from '../models/consult.ts';
import { loadModelConfig } from '../models/model-config.ts';
import { fanOut, type Notifier } from '../notify/notifier.ts';
import { slackNotifier } from '../notify/slack.ts';
import { emfMetrics, type OutcomeMetrics } from '../observe/metrics.ts';
import type { PlanMessage } from '../pipeline/messages.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { createSqsQueue } from '../queue/sqs-queue.ts';
import {
  createEnvParameterStore,
  createSsmParameterStore,
  listSsmParameters,
  ssmClient,
  type ParameterStore,
} from '../secrets/parameters.ts';
import { createDynamoOutcomeStore } from '../store/dynamodb-outcome-store.ts';
import { loadFunctionConfig, unusableClusters } from './config-source.ts';

/** One function's application, with its logger and metrics for the handler around it. */
export interface FunctionApp {
  app: App;
  logger: Logger;
  metrics: OutcomeMetrics;
}

/** The detector: the outcome table, the plan queue, the read-only identity's clusters, the metrics, notifications of suggested fixes. */
export function detectorFunction(env: NodeJS.ProcessEnv): FunctionApp {
  const vars = parseEnv(DetectorEnvSchema, env);
  const worker = workerPorts(env, vars, 'kubemend-detector');
  const app = createApp({
    ...worker.ports,
    detectorKube: worker.kube('detector'),
    plans: () => createSqsQueue<PlanMessage>(vars.KUBEMEND_PLAN_QUEUE_URL, worker.aws),
    metricsFor: worker.metricsFor(vars.KUBEMEND_MODEL_CONFIG_PATH),
    notifier: () => notifierFor(vars, worker.parameters, worker.logger),
  });
  return { app, logger: worker.logger, metrics: worker.metrics };
}

/**
 * The remediator: the outcome table (with the target guard in it), the write identity's clusters,
 * the kill switch (SSM, read at most every 30 s), notifications, and the plan queue for fixes an
 * approval started and could not finish.
 */
export function remediatorFunction(env: NodeJS.ProcessEnv): FunctionApp {
  const vars = parseEnv(RemediatorEnvSchema, env);
  const worker = workerPorts(env, vars, 'kubemend-remediator');
  const planQueue = vars.KUBEMEND_PLAN_QUEUE_URL;
  const app = createApp({
    ...worker.ports,
    remediatorKube: worker.kube('remediator'),
    killSwitch: () => ssmKillSwitch(worker.parameters, vars.KUBEMEND_KILL_SWITCH_PARAMETER, { cacheMs: 30_000 }),
    targetGuard: () => createDynamoTargetGuard(worker.dynamo(), { tableName: vars.KUBEMEND_TABLE_NAME }),
    notifier: () => notifierFor(vars, worker.parameters, worker.logger),
    ...(planQueue === undefined ? {} : { plans: () => createSqsQueue<PlanMessage>(planQueue, worker.aws) }),
    slackSigningSecret: async () => {
      const name = vars.KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER;
      return name === undefined ? undefined : worker.parameters.get(name);
    },
  });
  return { app, logger: worker.logger, metrics: worker.metrics };
}

/** The scheduled audit: the read-only identity's clusters, the findings table, the metrics for forecasts. */
export function auditFunction(env: NodeJS.ProcessEnv): FunctionApp & { maxPerKind: number } {
  const vars = parseEnv(AuditEnvSchema, env);
  const worker = workerPorts(env, vars, 'kubemend-audit');
  const app = createApp({
    ...worker.ports,
    detectorKube: worker.kube('detector'),
    findings: () =>
      createDynamoFindingsStore(worker.dynamo(), {
        tableName: vars.KUBEMEND_TABLE_NAME,
        retentionDays: vars.KUBEMEND_RETENTION_DAYS,
      }),
    metricsFor: worker.metricsFor(vars.KUBEMEND_MODEL_CONFIG_PATH),
  });
  return { app, logger: worker.logger, metrics: worker.metrics, maxPerKind: vars.KUBEMEND_AUDIT_MAX_PER_KIND };
}

interface WorkerVars {
  KUBEMEND_LOG_LEVEL: string;
  KUBEMEND_TABLE_NAME: string;
  KUBEMEND_CONFIG_PATH: string;
  KUBEMEND_CONFIG_PARAMETER?: string;
  KUBEMEND_CLUSTERS_PARAMETER_PATH?: string;
  KUBEMEND_RETENTION_DAYS: number;
  KUBEMEND_LEASE_SECONDS: number;
  KUBEMEND_KUBE_TIMEOUT_SECONDS: number;
}

/** What the workers share: the config (the bundled file or its SSM parameter, and the clusters registered in SSM), the outcome table, clusters, logs. */
function workerPorts(env: NodeJS.ProcessEnv, vars: WorkerVars, name: string) {
  const aws = parseAwsEnv(env);
  const kubeconfig = parseEnv(KubeconfigEnvSchema, env);
  const ssm = ssmClient(aws);
  const parameters = createSsmParameterStore(ssm);
  const logger = createLogger({ level: vars.KUBEMEND_LOG_LEVEL, name });
  const metrics = emfMetrics(name);
  // DynamoDB through the AWS JSON client, as SQS and SSM: the SDK's client and its credential
  // chain cost a worker's cold start more than all the rest of its bundle (README, Benchmarks).
  let dynamo: AwsJsonClient | undefined;
  const dynamoClient = () => (dynamo ??= dynamoDbClient(aws));
  // The SDK's credential chain, for Prometheus requests signed with SigV4 (Amazon Managed
  // Prometheus): loaded on the first such request, kept for the container.
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  const credentials: AwsCredentialIdentityProvider = async (properties) => {
    chain ??= import('@aws-sdk/credential-provider-node').then((module) => commonJsExports(module).defaultProvider());
    return (await chain)(properties);
  };
  const ports: Ports = {
    config: () => loadFunctionConfig(vars, parameters, (path) => listSsmParameters(ssm, path)),
    logger,
    leaseMs: vars.KUBEMEND_LEASE_SECONDS * 1000,
    metrics: () => metrics,
    store: () =>
      createDynamoOutcomeStore(dynamoClient(), {
        tableName: vars.KUBEMEND_TABLE_NAME,
        retentionDays: vars.KUBEMEND_RETENTION_DAYS,
      }),
  };
  return {
    aws,
    logger,
    metrics,
    parameters,
    ports,
    dynamo: dynamoClient,
    kube: (identity: KubeIdentity) => (config: AgentConfig) =>
      createRegistryProvider(config, {
        identity,
        timeoutMs: vars.KUBEMEND_KUBE_TIMEOUT_SECONDS * 1000,
        kubeconfig,
        withoutRegistry: 'none',
        registryPath: vars.KUBEMEND_CLUSTERS_PARAMETER_PATH,
        unusable: unusableClusters(config),
      }),
    metricsFor: (modelPath: string) => (config: AgentConfig) =>
      metricsSources(
        (cluster) =>
          prometheusFor(config, cluster, {
            env: createEnvParameterStore(env),
            ssm: parameters,
            credentials,
          }),
        // Read when a cluster first has a Prometheus: a cluster without one never needs the models.
        () => loadModelConfig(modelPath),
      ),
  };
}

/** SNS and Slack, as a worker's environment names them; undefined when it names neither. */
function notifierFor(
  vars: { KUBEMEND_SNS_TOPIC_ARN?: string; KUBEMEND_SLACK_WEBHOOK_PARAMETER?: string },
  parameters: ParameterStore,
  logger: Logger,
): Notifier | undefined {
  const notifiers: Notifier[] = [];
  const topic = vars.KUBEMEND_SNS_TOPIC_ARN;
  if (topic !== undefined) notifiers.push(lazySnsNotifier(topic));
  const slack = vars.KUBEMEND_SLACK_WEBHOOK_PARAMETER;
  // The webhook URL is a credential: read from SSM on first use, kept only in memory.
  if (slack !== undefined) notifiers.push(slackNotifier(async () => (await parameters.get(slack)) ?? ''));
  if (notifiers.length === 0) return undefined;
  return fanOut(notifiers, (error) => logger.warn({ error: describeError(error) }, 'notification not sent'));
}

/** The SNS notifier, with the SDK's SNS client loaded on the first notification (few outcomes notify). */
function lazySnsNotifier(topicArn: string): Notifier {
  let loaded: Promise<Notifier> | undefined;
  return {
    notify: async (outcome) => {
      loaded ??= Promise.all([import('@aws-sdk/client-sns'), import('../notify/sns.ts')]).then(
        ([sdk, { snsNotifier }]) => snsNotifier(new (commonJsExports(sdk).SNSClient)({}), topicArn),
        (error: unknown) => {
          // Tried again at the next notification.
          loaded = undefined;
          throw error;
        },
      );
      return (await loaded).notify(outcome);
    },
  };
}
