import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { createApp, type App } from '../app/app.ts';
import { createSqliteFindingsStore } from '../audit/findings-store.ts';
import { loadAgentConfig, type AgentConfig } from '../config/agent-config.ts';
import { describeError } from '../errors.ts';
import { configKillSwitch } from '../guardrails/kill-switch.ts';
import { localKillSwitch } from './kill-switch.ts';
import { createSqliteTargetGuard } from '../guardrails/target-guard.ts';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { createRegistryProvider } from '../clusters/registry-provider.ts';
import type { KubeconfigEnv } from '../env.ts';
import type { Logger } from '../logger.ts';
import { metricsSources } from '../models/consult.ts';
import { loadModelConfig } from '../models/model-config.ts';
import type { Notifier } from '../notify/notifier.ts';
import { prometheusMetrics } from '../observe/prometheus.ts';
import {
  AlertMessageSchema,
  RemediatorMessageSchema,
  type AlertMessage,
  type DecisionMessage,
  type PlanMessage,
} from '../pipeline/messages.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { createLocalQueues, type LocalQueues } from '../queue/sqlite-queue.ts';
import { checkWebhookCredential } from '../receiver/auth.ts';
import { receiveSlackInteraction, SLACK_ROUTE } from '../receiver/slack.ts';
import type { ParameterStore } from '../secrets/parameters.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { createSqliteOutcomeStore, openLocalDatabase, releaseServerLeases } from '../store/sqlite-outcome-store.ts';
import { buildInfo } from '../version.ts';

export interface LocalRuntimeOptions {
  dataDir: string;
  configPath: string;
  logger: Logger;
  /** When undefined the receiver accepts unauthenticated requests (local use only). */
  webhookToken: string | undefined;
  /** The Slack app's signing secret: when set, `POST /slack/interactions` takes its Approve and Reject buttons. */
  slackSigningSecret?: string;
  /** When set, `GET /metrics` and `GET /version` ask for it (Bearer or Basic, as the webhook). */
  metricsToken?: string;
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
  /**
   * Whether this process runs the stages on the queued alerts and plans (`kubemend serve`; the
   * default). A one-shot command (audit, approve, run) leaves them, and what it hands on, to the
   * server: it does only what it was asked.
   */
  consume?: boolean;
  /**
   * This process holds the data directory (`kubemend serve`, after lockDataDir): at start it
   * takes over at once what a previous server left in flight — its record leases released, the
   * messages it had taken made visible — instead of when their leases and visibility run out.
   */
  ownsDataDir?: boolean;
}

export interface LocalRuntime {
  app: App;
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
  /**
   * The answer a request gets from its method, path and headers alone (a wrong route or method,
   * a missing or wrong credential), or undefined when it is to be handled: the server asks this
   * before it reads a byte of the body, and reads a body only for `POST /alerts`.
   */
  preflight(request: {
    method: string;
    path: string;
    headers: Record<string, string | undefined>;
  }): HttpResponse | undefined;
  close(): Promise<void>;
}

/**
 * Everything in one process: the receiver, the detector and the remediator share the embedded
 * database, which holds the outcome records, the audit findings and the durable local queues
 * between the stages — the same application (lib/app/app.ts) as the Lambda functions, with
 * SQLite in place of SQS and DynamoDB. Messages left by a previous run are picked up at start
 * (unless `consume` is false).
 */
export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const config = loadAgentConfig(options.configPath);
  const db = openLocalDatabase(options.dataDir);
  const store = createSqliteOutcomeStore(db, options.ownsDataDir === true ? 'serve' : 'cli');
  const logger = options.logger;
  const queues = createLocalQueues(db, {
    maxAttempts: 5,
    visibilityMs: 5 * 60_000,
    retryDelayMs: 2_000,
    onError: (topic, error, attempts) =>
      logger.warn({ topic, attempts, error: describeError(error) }, 'local queue message failed'),
  });
  // The two stages use the two identities, as the functions do.
  const kubeFor = (identity: 'detector' | 'remediator') => (agent: AgentConfig) =>
    options.kube ??
    createRegistryProvider(agent, {
      identity,
      kubeContext: options.kubeContext,
      timeoutMs: options.kubeTimeoutMs ?? 10_000,
      kubeconfig: options.kubeconfig,
    });
  const metrics = prometheusMetrics();
  const app = createApp({
    config: () => config,
    logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    leaseMs: options.leaseMs ?? 5 * 60_000,
    store: () => store,
    findings: () => createSqliteFindingsStore(db),
    alerts: () => queues.queue<AlertMessage>('alerts'),
    plans: () => queues.queue<PlanMessage>('plans'),
    detectorKube: kubeFor('detector'),
    remediatorKube: kubeFor('remediator'),
    // The config's `killSwitch: true` stops every write; else `kubemend kill-switch on|off` decides, without a restart.
    killSwitch: (agent) => (agent.killSwitch ? configKillSwitch(true) : localKillSwitch(options.dataDir)),
    targetGuard: () => createSqliteTargetGuard(db),
    notifier: () => options.notifier,
    metrics: () => metrics,
    metricsFor: localMetricsSources(options.configPath, options.secrets),
    webhookSecret: async () => options.webhookToken,
    slackSigningSecret: async () => options.slackSigningSecret,
  });
  if (options.ownsDataDir === true) {
    const released = releaseServerLeases(db, (options.clock ?? (() => new Date()))());
    const messages = queues.recover();
    if (released + messages > 0) {
      logger.warn({ records: released, messages }, 'taking over the work a stopped server left in flight');
    }
  }
  if (options.consume !== false) {
    queues.consume('alerts', async (body) => {
      await app.detect(AlertMessageSchema.parse(body));
    });
    queues.consume('plans', async (body) => {
      const message = RemediatorMessageSchema.parse(body);
      await (message.kind === 'plan' ? app.remediate(message) : app.decide(message));
    });
  }

  return {
    app,
    config,
    store,
    queues,
    preflight: (request) => preflight(request, options, logger),
    handle: async (request) => {
      try {
        if (request.path === '/healthz') return jsonResponse(200, { ok: true });
        if ((request.path === '/version' || request.path === '/metrics') && options.metricsToken !== undefined) {
          checkWebhookCredential(request.headers.authorization, options.metricsToken);
        }
        if (request.path === '/version') return jsonResponse(200, buildInfo());
        if (request.path === '/metrics') {
          return {
            statusCode: 200,
            headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
            body: metrics.render(),
          };
        }
        if (request.path === SLACK_ROUTE) return await slackRoute(request, options, queues);
        if (request.path !== '/alerts') return noRoute(request.path);
        if (request.method !== 'POST') {
          return jsonResponse(405, { error: 'method_not_allowed', message: 'use POST /alerts' }, { allow: 'POST' });
        }
        return jsonResponse(202, await app.receive({ body: request.body, headers: request.headers }));
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

/**
 * Each cluster's Prometheus (its registry entry's, or the top-level one) with the models next to
 * the agent config (`model_config.yaml` beside it), when there are any; `env:` secrets from `secrets`.
 */
export function localMetricsSources(configPath: string, secrets: ParameterStore) {
  const modelPath = join(dirname(configPath), 'model_config.yaml');
  const models = existsSync(modelPath) ? loadModelConfig(modelPath) : undefined;
  return (agent: AgentConfig) => metricsSources((cluster) => prometheusFor(agent, cluster, { env: secrets }), models);
}

/** What `handle` answers from a request's method, path and headers alone (see LocalRuntime.preflight). */
function preflight(
  request: { method: string; path: string; headers: Record<string, string | undefined> },
  options: Pick<LocalRuntimeOptions, 'webhookToken' | 'metricsToken' | 'slackSigningSecret'>,
  logger: LocalRuntimeOptions['logger'],
): HttpResponse | undefined {
  try {
    if (request.path === '/metrics' || request.path === '/version') {
      if (options.metricsToken !== undefined)
        checkWebhookCredential(request.headers.authorization, options.metricsToken);
      return undefined;
    }
    if (request.path === '/healthz') return undefined;
    if (request.path === SLACK_ROUTE) {
      if (options.slackSigningSecret === undefined) {
        return jsonResponse(404, {
          error: 'not_found',
          message: 'Slack approvals are not set up: start kubemend serve with KUBEMEND_SLACK_SIGNING_SECRET',
        });
      }
      if (request.method !== 'POST') {
        return jsonResponse(
          405,
          { error: 'method_not_allowed', message: `use POST ${SLACK_ROUTE}` },
          { allow: 'POST' },
        );
      }
      // Slack's signature covers the body: it is checked in handle, once the body is read.
      return undefined;
    }
    if (request.path !== '/alerts') return noRoute(request.path);
    if (request.method !== 'POST') {
      return jsonResponse(405, { error: 'method_not_allowed', message: 'use POST /alerts' }, { allow: 'POST' });
    }
    if (options.webhookToken !== undefined) checkWebhookCredential(request.headers.authorization, options.webhookToken);
    return undefined;
  } catch (error) {
    logger.warn({ status: 401, error: describeError(error) }, 'request refused');
    return errorResponse(error);
  }
}

function noRoute(path: string): HttpResponse {
  return jsonResponse(404, { error: 'not_found', message: `no route ${path}; POST /alerts` });
}

/**
 * A Slack button click (preflight let it through: the route is set up, the method POST): its
 * signature checked, the decision queued for the remediator, and a 200 well within Slack's 3
 * seconds; the decision answers on the message's response_url.
 */
async function slackRoute(
  request: { body: string; headers: Record<string, string | undefined> },
  options: Pick<LocalRuntimeOptions, 'slackSigningSecret' | 'clock'>,
  queues: LocalQueues,
): Promise<HttpResponse> {
  // preflight answers 404 without a secret; never check a signature against an empty key.
  if (options.slackSigningSecret === undefined) return noRoute(SLACK_ROUTE);
  await receiveSlackInteraction(request, {
    decisions: queues.queue<DecisionMessage>('plans'),
    secret: options.slackSigningSecret,
    clock: options.clock ?? (() => new Date()),
  });
  return { statusCode: 200, headers: {}, body: '' };
}
