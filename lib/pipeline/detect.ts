import type { Logger } from 'pino';

import type { OutcomeMetrics } from '../observe/metrics.ts';
import { consultMetrics, notConfirmed, type MetricsSource } from '../models/consult.ts';

import { alertCluster, alertId } from '../alert/identity.ts';
import { findRule, type AgentConfig } from '../config/agent-config.ts';
import type { AnyDetector } from '../detect/detector.ts';
import { findDetector } from '../detect/registry.ts';
import type { Outcome } from '../domain/types.ts';
import {
  AlreadyClaimedError,
  ClusterUnknownError,
  ClusterUnreachableError,
  describeError,
  AlertLabelError,
} from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import type { Queue } from '../queue/queue.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { finish } from './finish.ts';
import type { AlertMessage, PlanMessage } from './messages.ts';

export interface DetectDeps {
  store: OutcomeStore;
  config: AgentConfig;
  detectors: readonly AnyDetector[];
  kube: KubeProvider;
  plans: Queue<PlanMessage>;
  clock: () => Date;
  logger: Logger;
  /** How long this worker holds an alert instance before another may take over. */
  leaseMs: number;
  /** Counts every final record (CloudWatch EMF in AWS). */
  metrics?: OutcomeMetrics;
  /** The cluster's Prometheus and models, when it has one: they confirm and explain diagnoses. */
  metricsFor?: (cluster: string | undefined) => MetricsSource | undefined;
}

/**
 * The detector stage for one alert instance: claim it (once per instance), diagnose it, and
 * either record a final outcome or save the plan and hand it to the remediator.
 * Returns the record as it stands afterwards; throws only what the queue should retry.
 */
export async function handleAlert(message: AlertMessage, deps: DetectDeps): Promise<Outcome> {
  const { alert } = message;
  const id = alertId(alert);
  const cluster = alertCluster(alert, deps.config.clusterLabel);
  const log = deps.logger.child({ alertId: id, alertname: alert.labels.alertname });

  if (alert.status === 'resolved') {
    await deps.store.markResolved(id, alert, cluster, deps.clock());
    log.info('alert resolved');
    const record = await deps.store.get(id);
    if (record === undefined) throw new Error(`record ${id} missing after markResolved`);
    return record;
  }

  const claim = await deps.store.claim({ id, alert, cluster, now: deps.clock(), leaseMs: deps.leaseMs });
  if (!claim.claimed) {
    if (claim.why === 'leased')
      throw new AlreadyClaimedError(`alert instance ${id} is being processed by another worker`);
    log.info({ result: claim.outcome.result }, 'repeat notification of an instance already handled');
    return claim.outcome;
  }
  let outcome: Outcome = {
    ...claim.outcome,
    trigger: claim.outcome.trigger ?? { kind: 'alert', receiver: message.receiver, groupKey: message.groupKey },
  };

  // A record past detection was taken over from a worker that stopped: hand its plan on again.
  if (outcome.stage === 'planned' || outcome.stage === 'applying' || outcome.stage === 'verifying') {
    await deps.store.save(outcome, null);
    await deps.plans.send([{ kind: 'plan', id }]);
    log.warn({ stage: outcome.stage }, 'resumed an unfinished remediation');
    return outcome;
  }

  const alertname = alert.labels.alertname;
  const ignored = deps.config.ignore.find((entry) => entry.alertname === alertname);
  if (ignored !== undefined) return finish(deps, outcome, 'no-action', `${alertname} is ignored: ${ignored.reason}`);
  const rule = findRule(deps.config, alertname);
  if (rule === undefined) {
    return finish(deps, outcome, 'no-action', `no rule handles alert ${alertname ?? '(no alertname label)'}`);
  }
  const detector = findDetector(rule.detector, deps.detectors);
  if (detector === undefined) return finish(deps, outcome, 'failed', `detector ${rule.detector} is not in this build`);

  let diagnosed: Outcome;
  try {
    const kube = await deps.kube(cluster);
    const snapshot: unknown = await detector.observe(alert, kube);
    const diagnosis = detector.diagnose(alert, snapshot, deps.clock());
    diagnosed = {
      ...outcome,
      cluster: cluster ?? kube.cluster,
      diagnosis,
      timings: { ...outcome.timings, diagnosedAt: deps.clock().toISOString() },
    };
  } catch (error) {
    if (error instanceof ClusterUnreachableError) {
      return finish(deps, outcome, 'cluster-unreachable', error.message, error);
    }
    if (error instanceof ClusterUnknownError) return finish(deps, outcome, 'unknown-cluster', error.message, error);
    if (error instanceof AlertLabelError) return finish(deps, outcome, 'no-action', error.message, error);
    log.error({ err: error }, 'detection failed');
    return finish(deps, outcome, 'failed', `detection failed: ${describeError(error).message}`, error);
  }
  // Ask the cluster's metrics history: numbers for the evidence, and no fix on a blip.
  const source = deps.metricsFor?.(diagnosed.cluster);
  if (source !== undefined && diagnosed.diagnosis !== undefined) {
    const { verdicts, unavailable } = await consultMetrics(alert, source, deps.clock());
    const evidence = [
      ...verdicts.map((v) => ({ source: `prometheus:${v.signal}`, message: `${v.status}: ${v.summary}` })),
      ...(unavailable === undefined ? [] : [{ source: 'prometheus', message: unavailable }]),
    ];
    diagnosed = {
      ...diagnosed,
      diagnosis: { ...diagnosed.diagnosis, evidence: [...diagnosed.diagnosis.evidence, ...evidence] },
    };
    if (diagnosed.diagnosis?.plan != null && notConfirmed(verdicts)) {
      const why = verdicts
        .filter((v) => v.status === 'not-confirmed')
        .map((v) => v.summary)
        .join('; ');
      return finish(deps, diagnosed, 'no-action', `not confirmed by the metrics, so no fix: ${why}`);
    }
  }
  const plan = diagnosed.diagnosis?.plan ?? null;
  if (plan === null) return finish(deps, diagnosed, 'no-action', diagnosed.diagnosis?.summary ?? 'no plan');
  if (!rule.actions.includes(plan.action)) {
    // Settled here rather than a queue hop later: the rule does not let this fix run at all.
    return finish(
      deps,
      { ...diagnosed, plan },
      'refused',
      `action "${plan.action}" is not enabled for ${rule.alertname} (enabled: ${rule.actions.join(', ') || 'none'})`,
    );
  }
  // Saved before it is handed on: if the hand-off fails, the queue retries this message and the
  // claim above finds the record `planned` and sends it again.
  outcome = { ...diagnosed, stage: 'planned', plan };
  await deps.store.save(outcome, null);
  await deps.plans.send([{ kind: 'plan', id }]);
  log.info({ action: plan.action, target: plan.target }, 'diagnosed; plan handed to the remediator');
  return outcome;
}
