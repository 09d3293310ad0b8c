import type { Logger } from 'pino';

import type { Alert } from '../alert/schema.ts';
import type { AuditReport, FindingsStore } from '../audit/findings-store.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { AnyDetector } from '../detect/detector.ts';
import type { Mode, Outcome, Plan } from '../domain/types.ts';
import { ConfigError } from '../errors.ts';
import type { Guard } from '../guardrails/guard.ts';
import type { KillSwitch } from '../guardrails/kill-switch.ts';
import type { TargetGuard } from '../guardrails/target-guard.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import type { MetricsSource } from '../models/consult.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { FinishDeps } from '../pipeline/finish.ts';
import { noMetrics, type OutcomeMetrics } from '../observe/metrics.ts';
import type { Detection } from '../pipeline/detect.ts';
import type { SlackResponder } from '../notify/slack.ts';
import type { AlertMessage, DecisionMessage, PlanMessage } from '../pipeline/messages.ts';
import type { RemediateDeps } from '../pipeline/remediate.ts';
import type { Queue } from '../queue/queue.ts';
import type { ReceiveSummary, WebhookRequest } from '../receiver/receive.ts';
import type { AnyRemediator } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import type { AuditOptions } from './audit.ts';
import { once } from './once.ts';
import { receiveFlow } from './receive.ts';

/**
 * The outside world, as the application sees it: each port a factory called on first use (and
 * kept), so that a function built for one flow builds only what that flow needs. The Lambda
 * wiring, the local runtime and the CLI differ only in the adapters they pass here.
 */
export interface Ports {
  config: () => AgentConfig | Promise<AgentConfig>;
  logger: Logger;
  clock?: () => Date;
  /** How long a worker holds an alert instance before another may take over. */
  leaseMs: number;
  store?: () => OutcomeStore;
  findings?: () => FindingsStore;
  /** Receiver → detector. */
  alerts?: () => Queue<AlertMessage>;
  /** Detector → remediator; also where a direct run hands a fix it left unfinished. */
  plans?: () => Queue<PlanMessage>;
  /** The read-only identity's clusters (detection, audits) and the remediator's. */
  detectorKube?: (config: AgentConfig) => KubeProvider;
  remediatorKube?: (config: AgentConfig) => KubeProvider;
  killSwitch?: (config: AgentConfig) => KillSwitch;
  targetGuard?: () => TargetGuard;
  notifier?: () => Notifier | undefined;
  metrics?: () => OutcomeMetrics;
  /** Each cluster's Prometheus and the models, where there is one. */
  metricsFor?: (config: AgentConfig) => (cluster: string | undefined) => MetricsSource | undefined;
  /** The webhook credential; undefined: the receiver takes unauthenticated requests (loopback only). */
  webhookSecret?: () => Promise<string | undefined>;
  /** The Slack app's signing secret, which keys the receiver's proof on each queued decision. */
  slackSigningSecret?: () => Promise<string | undefined>;
  /** Posts the outcome of a Slack button click back on its response_url (lib/notify/slack.ts by default). */
  slackResponder?: () => SlackResponder;
  /** Waits between verification checks (tests pass one that moves a manual clock). */
  sleep?: (ms: number) => Promise<void>;
  /** The units (this build's registries when undefined). */
  units?: { detectors?: readonly AnyDetector[]; remediators?: readonly AnyRemediator[]; guards?: readonly Guard[] };
}

/** A fix asked for by hand (`kubemend run`): the plan, who asks, and how far it may go. */
export interface ManualRequest {
  plan: Plan;
  by: string;
  mode: Mode;
  cluster?: string;
}

/** The flows, each existing once: what the functions, the local server and the CLI call. */
export interface App {
  config(): Promise<AgentConfig>;
  /** An Alertmanager webhook: its credential, its body validated, each alert handed on. */
  receive(request: WebhookRequest): Promise<ReceiveSummary>;
  /** The detector stage for one alert instance. */
  detect(message: AlertMessage): Promise<Outcome>;
  /** The remediator stage for one planned record. */
  remediate(message: PlanMessage): Promise<Outcome>;
  /** A person approves a waiting fix; it runs now, through every guardrail again. */
  approve(id: string, by: string): Promise<Outcome>;
  /** A person turns a waiting fix down: it ends `refused`, saying who and why, and nothing is written. */
  reject(id: string, by: string, why?: string): Promise<Outcome>;
  /** A fix asked for by hand, through every guardrail. */
  runManual(request: ManualRequest): Promise<Outcome>;
  /**
   * A decision from a Slack button (the receiver checked its signature): approved or rejected as
   * `approve` and `reject` do, when the user is one of `slack.approvers`; undefined when nothing
   * was done, the user told why.
   */
  decide(message: DecisionMessage): Promise<Outcome | undefined>;
  /** Diagnoses and plans one alert without recording anything (`kubemend diagnose`). */
  diagnose(alert: Alert): Promise<Detection>;
  /** Audits clusters (the registry's, or the ones named) and records what is new, open and resolved. */
  audit(options?: AuditOptions): Promise<AuditReport[]>;
}

/**
 * The flows and the registries, each loaded on its first use: a function built for one flow (the
 * receiver) loads none of the others' code, and the bundler puts each in a chunk of its own.
 */
const code = {
  detect: once(() => import('../pipeline/detect.ts')),
  remediate: once(() => import('../pipeline/remediate.ts')),
  manual: once(() => import('../pipeline/manual.ts')),
  finish: once(() => import('../pipeline/finish.ts')),
  decide: once(() => import('../pipeline/decide.ts')),
  slack: once(() => import('../notify/slack.ts')),
  audit: once(() => import('./audit.ts')),
  detectors: once(async () => (await import('../detect/registry.ts')).detectors),
  remediators: once(async () => (await import('../remediate/registry.ts')).remediators),
};

/** The application, from its ports. */
export function createApp(ports: Ports): App {
  const flows = createFlows(ports);
  return {
    ...flows,
    decide: async (message) =>
      (await code.decide()).decideFromSlack(message, {
        config: await flows.config(),
        approve: flows.approve,
        reject: flows.reject,
        respond: ports.slackResponder?.() ?? (await code.slack()).slackResponder(),
        secret: ports.slackSigningSecret ?? (async () => undefined),
        logger: ports.logger,
      }),
  };
}

/** Every flow but the Slack decisions, which are made of two of them. */
function createFlows(ports: Ports): Omit<App, 'decide'> {
  const clock = ports.clock ?? (() => new Date());
  const detectors = async () => ports.units?.detectors ?? code.detectors();
  const remediators = async () => ports.units?.remediators ?? code.remediators();
  const config = once(async () => ports.config());
  const port = <T>(name: string, factory: (() => T) | undefined): (() => T) => {
    if (factory === undefined) return () => missing(name);
    return once(factory);
  };
  const store = port('store', ports.store);
  const plans = port('plans', ports.plans);
  const alerts = port('alerts', ports.alerts);
  const targetGuard = port('targetGuard', ports.targetGuard);
  const findings = port('findings', ports.findings);
  const notifier = once(() => ports.notifier?.());
  const metrics = once(() => ports.metrics?.() ?? noMetrics);
  // The promise is kept, not the value: two events at once on a cold start share one build.
  const withConfig = <T>(name: string, factory: ((config: AgentConfig) => T) | undefined) =>
    once(async (): Promise<T> => (factory === undefined ? missing(name) : factory(await config())));
  const detectorKube = withConfig('detectorKube', ports.detectorKube);
  const remediatorKube = withConfig('remediatorKube', ports.remediatorKube);
  const killSwitch = withConfig('killSwitch', ports.killSwitch);
  const metricsFor = withConfig('metricsFor', ports.metricsFor ?? (() => () => undefined));

  const detection = async () => ({
    config: await config(),
    detectors: await detectors(),
    remediators: await remediators(),
    kube: await detectorKube(),
    clock,
    logger: ports.logger,
    metricsFor: await metricsFor(),
  });
  const remediation = async (): Promise<RemediateDeps> => ({
    store: store(),
    config: await config(),
    remediators: await remediators(),
    kube: await remediatorKube(),
    clock,
    logger: ports.logger,
    leaseMs: ports.leaseMs,
    killSwitch: await killSwitch(),
    targetGuard: targetGuard(),
    notifier: notifier(),
    metrics: metrics(),
    ...(ports.sleep === undefined ? {} : { sleep: ports.sleep }),
    ...(ports.units?.guards === undefined ? {} : { guards: ports.units.guards }),
    ...(ports.plans === undefined ? {} : { followUps: plans() }),
  });

  return {
    config,
    receive: receiveFlow({
      alerts,
      clock,
      logger: ports.logger,
      metrics,
      ...(ports.webhookSecret === undefined ? {} : { webhookSecret: ports.webhookSecret }),
    }),
    detect: async (message) =>
      (await code.detect()).handleAlert(message, {
        ...(await detection()),
        store: store(),
        plans: plans(),
        leaseMs: ports.leaseMs,
        metrics: metrics(),
        notifier: notifier(),
      }),
    remediate: async (message) => (await code.remediate()).handlePlan(message, await remediation()),
    approve: async (id, by) => {
      await (await code.manual()).approve(store(), { id, by, now: clock(), leaseMs: ports.leaseMs });
      return (await code.remediate()).remediateNow(id, await remediation());
    },
    reject: async (id, by, why) =>
      rejectFix(
        { store: store(), clock, logger: ports.logger, notifier: notifier(), metrics: metrics() },
        { id, by, why, leaseMs: ports.leaseMs },
      ),
    runManual: async (request) => {
      const { createManualRecord, manualPlan, readLiveTarget } = await code.manual();
      const live = await readLiveTarget(request.plan, await remediators(), async () =>
        (await remediatorKube())(request.cluster),
      );
      const now = clock();
      const plan = manualPlan(request.plan, await remediators(), now, live);
      const record = await createManualRecord(store(), { ...request, plan, now, leaseMs: ports.leaseMs });
      return (await code.remediate()).remediateNow(record.id, await remediation());
    },
    diagnose: async (alert) => (await code.detect()).detectAlert(alert, await detection()),
    audit: async (options = {}) =>
      (await code.audit()).auditClusters(
        {
          config: await config(),
          kube: await detectorKube(),
          findings: findings(),
          metricsFor: await metricsFor(),
          logger: ports.logger,
          clock,
        },
        options,
      ),
  };
}

function missing(name: string): never {
  throw new ConfigError(`this deployment has no ${name} port: it cannot run this flow`);
}

/** A person turns a waiting fix down (`App.reject`): the record ends refused, saying who and why, and is notified. */
async function rejectFix(
  deps: FinishDeps,
  request: { id: string; by: string; why: string | undefined; leaseMs: number },
): Promise<Outcome> {
  const { id, by, why, leaseMs } = request;
  const rejected = await (await code.manual()).reject(deps.store, { id, by, now: deps.clock(), leaseMs });
  const action = rejected.plan?.action ?? 'the fix';
  return (await code.finish()).finish(
    deps,
    rejected,
    'refused',
    `${action} rejected by ${by}${why === undefined || why === '' ? '' : `: ${why}`}`,
  );
}
