import type { Logger } from 'pino';

import { alertCluster, alertId } from '../alert/identity.ts';
import type { Alert } from '../alert/schema.ts';
import { findRule, type AgentConfig } from '../config/agent-config.ts';
import type { AnyDetector } from '../detect/detector.ts';
import { findDetector } from '../detect/registry.ts';
import type { Diagnosis, Outcome, Plan, Result, Suggestion } from '../domain/types.ts';
import { AlreadyClaimedError } from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { consultMetrics, notConfirmed, type MetricsSource } from '../models/consult.ts';
import type { Verdict } from '../models/evaluate.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { OutcomeMetrics } from '../observe/metrics.ts';
import type { Queue } from '../queue/queue.ts';
import { remediators } from '../remediate/registry.ts';
import type { AnyRemediator } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { chooseFix } from './choose-fix.ts';
import { isExpectedFailure, resultOfError } from './error-results.ts';
import { finish } from './finish.ts';
import type { AlertMessage, PlanMessage } from './messages.ts';

/** What detecting one alert needs: no store, so the CLI's `diagnose` runs it too. */
export interface DetectionDeps {
  config: AgentConfig;
  detectors: readonly AnyDetector[];
  /** The fixes a rule may map (this build's registry when undefined). */
  remediators?: readonly AnyRemediator[];
  kube: KubeProvider;
  clock: () => Date;
  logger: Logger;
  /** The cluster's Prometheus and models, when it has one: they confirm and explain diagnoses. */
  metricsFor?: (cluster: string | undefined) => MetricsSource | undefined;
}

export interface DetectDeps extends DetectionDeps {
  store: OutcomeStore;
  plans: Queue<PlanMessage>;
  /** How long this worker holds an alert instance before another may take over. */
  leaseMs: number;
  /** Counts every final record (CloudWatch EMF in AWS). */
  metrics?: OutcomeMetrics;
  /** Told about diagnoses that come with a suggested fix. */
  notifier?: Notifier;
}

/**
 * What detection concluded about one alert: a diagnosis (when a detector ran) and either the
 * plan that answers it or the final result and why there is none.
 */
export interface Detection {
  cluster?: string;
  diagnosis?: Diagnosis;
  plan?: Plan;
  /** Set when there is no plan. */
  result?: Result;
  reason?: string;
  /** With no plan because the rule maps no fix to the anomaly: the fix that would answer it. */
  suggestion?: Suggestion;
  error?: unknown;
}

/**
 * Detects one firing alert without recording anything: the rule for its alertname, the rule's
 * detector reading the cluster (`observe`) and deciding (`diagnose`), the metrics confirming and
 * explaining it, and the fix the rule maps to the anomaly planning from the diagnosis's facts.
 */
export async function detectAlert(alert: Alert, deps: DetectionDeps): Promise<Detection> {
  const alertname = alert.labels.alertname;
  const ignored = deps.config.ignore.find((entry) => entry.alertname === alertname);
  if (ignored !== undefined) return { result: 'no-action', reason: `${alertname} is ignored: ${ignored.reason}` };
  const rule = findRule(deps.config, alertname);
  if (rule === undefined) {
    return { result: 'no-action', reason: `no rule handles alert ${alertname ?? '(no alertname label)'}` };
  }
  const detector = findDetector(rule.detector, deps.detectors);
  if (detector === undefined) return { result: 'failed', reason: `detector ${rule.detector} is not in this build` };

  const labelled = alertCluster(alert, deps.config.clusterLabel);
  let detection: Detection & { diagnosis: Diagnosis };
  try {
    const kube = await deps.kube(labelled);
    const diagnosis = detector.diagnose(await detector.observe(alert, kube), deps.clock());
    detection = { cluster: labelled ?? kube.cluster, diagnosis };
  } catch (error) {
    if (!isExpectedFailure(error, 'detection')) deps.logger.error({ err: error, alertname }, 'detection failed');
    return { cluster: labelled, ...resultOfError(error, { stage: 'detection', action: 'detection' }), error };
  }
  const { diagnosis, verdicts } = await withMetrics(alert, detection.diagnosis, deps, detection.cluster);
  // Gone, or healthy again: nothing to fix, whatever the rule maps (its '*' included).
  if (detector.settled?.includes(diagnosis.anomaly) === true) {
    return { ...detection, diagnosis, result: 'no-action', reason: diagnosis.summary };
  }
  const choice = chooseFix(diagnosis, rule, deps.config, deps.remediators ?? remediators, deps.clock());
  if (choice.plan === undefined) {
    const reason = choice.why === undefined ? diagnosis.summary : `${diagnosis.summary}; not fixed: ${choice.why}`;
    // A blip the metrics did not confirm gets no fix, and no fix is suggested for it either.
    const suggestion = notConfirmed(verdicts) ? undefined : choice.suggestion;
    return {
      ...detection,
      diagnosis,
      result: 'no-action',
      reason,
      ...(suggestion === undefined ? {} : { suggestion }),
    };
  }
  // No fix on a blip: the metrics judged the alert's anomaly and none confirmed it.
  if (notConfirmed(verdicts)) {
    const why = verdicts
      .filter((v) => v.status === 'not-confirmed')
      .map((v) => v.summary)
      .join('; ');
    return { ...detection, diagnosis, result: 'no-action', reason: `not confirmed by the metrics, so no fix: ${why}` };
  }
  return { ...detection, diagnosis, plan: choice.plan };
}

/** The diagnosis with what the cluster's metrics history says about the alert (numbers, or why none). */
async function withMetrics(
  alert: Alert,
  diagnosis: Diagnosis,
  deps: DetectionDeps,
  cluster: string | undefined,
): Promise<{ diagnosis: Diagnosis; verdicts: Verdict[] }> {
  const source = deps.metricsFor?.(cluster);
  if (source === undefined) return { diagnosis, verdicts: [] };
  const { verdicts, unavailable } = await consultMetrics(alert, source, deps.clock());
  const evidence = [
    ...verdicts.map((v) => ({ source: `prometheus:${v.signal}`, message: `${v.status}: ${v.summary}` })),
    ...(unavailable === undefined ? [] : [{ source: 'prometheus', message: unavailable }]),
  ];
  return { diagnosis: { ...diagnosis, evidence: [...diagnosis.evidence, ...evidence] }, verdicts };
}

/**
 * The detector stage for one alert instance: claim it (once per instance), detect it, and either
 * record a final outcome or save the plan and hand it to the remediator. Returns the record as it
 * stands afterwards; throws only what the queue should retry.
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
  const outcome: Outcome = {
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

  const detection = await detectAlert(alert, { ...deps, logger: log });
  const detected: Outcome = {
    ...outcome,
    cluster: detection.cluster ?? outcome.cluster,
    ...(detection.diagnosis === undefined
      ? {}
      : { diagnosis: detection.diagnosis, timings: { ...outcome.timings, diagnosedAt: deps.clock().toISOString() } }),
    ...(detection.suggestion === undefined ? {} : { suggestion: detection.suggestion }),
  };
  if (detection.plan === undefined) {
    return finish(deps, detected, detection.result ?? 'no-action', detection.reason ?? 'no plan', detection.error);
  }
  // Saved before it is handed on: if the hand-off fails, the queue retries this message and the
  // claim above finds the record `planned` and sends it again.
  const planned: Outcome = { ...detected, stage: 'planned', plan: detection.plan };
  await deps.store.save(planned, null);
  await deps.plans.send([{ kind: 'plan', id }]);
  log.info(
    { action: detection.plan.action, target: detection.plan.target },
    'diagnosed; plan handed to the remediator',
  );
  return planned;
}
