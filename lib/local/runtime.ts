import { loadAgentConfig, type AgentConfig } from '../config/agent-config.ts';
import { detectors } from '../detect/registry.ts';
import { configKillSwitch } from '../guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../guardrails/target-guard.ts';
import type { KubeconfigEnv } from '../env.ts';
import { describeError } from '../errors.ts';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses.ts';
import { createRegistryProvider } from '../kube/registry-provider.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import type { Logger } from '../logger.ts';
import { handleAlert } from '../pipeline/detect.ts';
import { AlertMessageSchema, PlanMessageSchema, type AlertMessage, type PlanMessage } from '../pipeline/messages.ts';
import { approve, createManualRecord } from '../pipeline/manual.ts';
import { prometheusMetrics } from '../observe/prometheus.ts';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metricsSources } from '../models/consult.ts';
import { loadModelConfig } from '../models/model-config.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { handlePlan, remediateNow, type RemediateDeps } from '../pipeline/remediate.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { Mode, Outcome, Plan } from '../domain/types.ts';
import { createLocalQueues, type LocalQueues } from '../queue/sqlite-queue.ts';
import { checkWebhookCredential } from '../receiver/auth.ts';
import { receiveWebhook } from '../receiver/receive.ts';
import { remediators } from '../remediate/registry.ts';
import type { ParameterStore } from '../secrets/parameters.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../store/sqlite-outcome-store.ts';
import { buildInfo } from '../version.ts';

export interface LocalRuntimeOptions {
  dataDir: string;
  configPath: string;
  logger: Logger;
  /** When undefined the receiver accepts unauthenticated requests (local use only). */
  webhookToken: string | undefined;
  kubeContext?: string;
  kubeTimeoutMs?: number;
  leaseMs?: number;
  /** Replaces the kubeconfig provider (tests, other cluster access). */
  kube?: KubeProvider;
  /** Where kubeconfig files are (lib/env.ts KubeconfigEnvSchema), when `kube` does not replace them. */
  kubeconfig: KubeconfigEnv;
  /** Where the agent config's `env:` secret refs are read (createEnvParameterStore). */
  secrets: ParameterStore;
  clock?: () => Date;
  /** Told about applied, refused, failed and pending-approval outcomes. */
  notifier?: Notifier;
}

export interface LocalRuntime {
  config: AgentConfig;
  store: OutcomeStore;
  queues: LocalQueues;
  /** Routes one HTTP request the way the AWS deployment's API does. */
  handle(request: {
    method: string;
    path: string;
    headers: Record<string, string | undefined>;
    body: string;
  }): Promise<HttpResponse>;
  /** Runs the remediator on one record now (what the plans queue does). */
  remediate(id: string): Promise<Outcome>;
  /** `kubemend approve`: records who approved a waiting fix, then runs it. */
  approve(id: string, by: string): Promise<Outcome>;
  /** `kubemend run`: a fix asked for by hand, through every guardrail. */
  runManual(request: { plan: Plan; by: string; mode: Mode; cluster?: string }): Promise<Outcome>;
  close(): Promise<void>;
}

export function loadConfigFile(path: string): AgentConfig {
  return loadAgentConfig(path, {
    detectors: detectors.map((detector) => detector.name),
    actions: remediators.map((remediator) => remediator.action),
  });
}

/**
 * Everything in one process: the receiver, the detector and the remediator share the embedded
 * database, which holds both the outcome records and the durable local queues between them —
 * the same code and the same hand-offs as the Lambda functions, with SQLite in place of SQS and
 * DynamoDB. Messages left by a previous run are picked up at start.
 */
export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const config = loadConfigFile(options.configPath);
  const db = openLocalDatabase(options.dataDir);
  const store = createSqliteOutcomeStore(db);
  const logger = options.logger;
  const queues = createLocalQueues(db, {
    maxAttempts: 5,
    visibilityMs: 5 * 60_000,
    retryDelayMs: 2_000,
    onError: (topic, error, attempts) =>
      logger.warn({ topic, attempts, error: describeError(error) }, 'local queue message failed'),
  });
  const clock = options.clock ?? (() => new Date());
  // The two stages use the two identities, as the functions do.
  const kubeFor = (identity: 'detector' | 'remediator'): KubeProvider =>
    options.kube ??
    createRegistryProvider(config, {
      identity,
      kubeContext: options.kubeContext,
      timeoutMs: options.kubeTimeoutMs ?? 10_000,
      kubeconfig: options.kubeconfig,
    });
  const killSwitch = configKillSwitch(config.killSwitch);
  const targetGuard = createSqliteTargetGuard(db);
  const detectorKube = kubeFor('detector');
  const remediatorKube = kubeFor('remediator');
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const alerts = queues.queue<AlertMessage>('alerts');
  const metrics = prometheusMetrics();
  // The models next to the agent config (config/model_config.yaml), when there are any.
  const modelPath = join(dirname(options.configPath), 'model_config.yaml');
  const metricsFor = metricsSources(
    (cluster) => prometheusFor(config, cluster, { env: options.secrets }),
    existsSync(modelPath) ? loadModelConfig(modelPath) : undefined,
  );
  const plans = queues.queue<PlanMessage>('plans');

  queues.consume('alerts', async (body) => {
    await handleAlert(AlertMessageSchema.parse(body), {
      store,
      config,
      detectors,
      kube: detectorKube,
      plans,
      clock,
      logger,
      leaseMs,
      metrics,
      metricsFor,
    });
  });
  const remediateDeps: RemediateDeps = {
    store,
    config,
    remediators,
    kube: remediatorKube,
    killSwitch,
    targetGuard,
    clock,
    logger,
    leaseMs,
    notifier: options.notifier,
    metrics,
    followUps: plans,
  };
  queues.consume('plans', async (body) => {
    await handlePlan(PlanMessageSchema.parse(body), remediateDeps);
  });
  // Direct runs (the CLI's approve and run): an unfinished fix goes to the durable plan queue.
  const remediate = (id: string) => remediateNow(id, remediateDeps);

  return {
    config,
    store,
    queues,
    remediate,
    approve: async (id, by) => {
      await approve(store, { id, by, now: clock(), leaseMs });
      return remediate(id);
    },
    runManual: async (request) => {
      const record = await createManualRecord(store, { ...request, now: clock(), leaseMs });
      return remediate(record.id);
    },
    handle: async (request) => {
      try {
        if (request.path === '/healthz') return jsonResponse(200, { ok: true });
        if (request.path === '/version') return jsonResponse(200, buildInfo());
        if (request.path === '/metrics') {
          return {
            statusCode: 200,
            headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
            body: metrics.render(),
          };
        }
        if (request.path !== '/alerts')
          return jsonResponse(404, { error: 'not_found', message: `no route ${request.path}; POST /alerts` });
        if (request.method !== 'POST') {
          return jsonResponse(405, { error: 'method_not_allowed', message: 'use POST /alerts' }, { allow: 'POST' });
        }
        if (options.webhookToken !== undefined)
          checkWebhookCredential(request.headers.authorization, options.webhookToken);
        const summary = await receiveWebhook(request.body, { alerts, clock });
        logger.info(summary, 'webhook accepted');
        metrics.alertsReceived(summary.accepted);
        return jsonResponse(202, summary);
      } catch (error) {
        const response = errorResponse(error);
        if (response.statusCode >= 500) logger.error({ err: error }, 'request failed');
        else logger.warn({ status: response.statusCode, error: describeError(error) }, 'request refused');
        return response;
      }
    },
    close: async () => {
      await queues.stop();
      await store.close();
    },
  };
}
