import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

import type { Outcome } from '../domain/types.ts';

/**
 * What kubemend counts about itself. In AWS these become CloudWatch metrics in Embedded Metric
 * Format (namespace `kubemend`, one log line each, no API calls); locally they are not recorded.
 */
export interface OutcomeMetrics {
  /** Alerts a webhook delivered and the receiver accepted. */
  alertsReceived(count: number): void;
  /** A record reached a result (or waits for approval): counts, durations and undos, by action. */
  outcome(outcome: Outcome): void;
  /** Once per container, on its first invocation. */
  coldStart(): void;
}

/** Every metric name kubemend writes (the dashboards may show only these, and AWS's own). */
export const METRIC_NAMES = [
  'AlertsReceived',
  'Outcomes',
  'Diagnoses',
  'MetricVerdicts',
  'CircuitOpen',
  'FixesUndone',
  'TimeToDiagnose',
  'TimeToFix',
  'ColdStart',
] as const;

export const noMetrics: OutcomeMetrics = {
  alertsReceived: () => undefined,
  outcome: () => undefined,
  coldStart: () => undefined,
};

/** EMF metrics through Powertools: one metrics object per function, flushed per record. */
export function emfMetrics(serviceName: string, options: { stage?: string } = {}): OutcomeMetrics {
  const metrics = new Metrics({
    namespace: 'kubemend',
    serviceName,
    defaultDimensions: options.stage === undefined ? {} : { stage: options.stage },
  });
  const one = (name: string, unit: Unit, value: number, dimensions: Record<string, string> = {}) => {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
  return {
    alertsReceived: (count) => one('AlertsReceived', MetricUnit.Count, count),
    coldStart: () => metrics.captureColdStartMetric(),
    outcome: (outcome) => {
      for (const [name, unit, value, dimensions] of outcomeMetrics(outcome)) one(name, unit, value, dimensions);
    },
  };
}

type Datum = [name: string, unit: Unit, value: number, dimensions: Record<string, string>];

/**
 * The metrics one record yields, pure: `Outcomes` by result and action; `Diagnoses` by anomaly
 * (the anomaly detection rate is Diagnoses without `none` over AlertsReceived); `CircuitOpen`
 * (a refusal by the circuit breaker); `FixesUndone`;
 * `TimeToDiagnose` (receipt to diagnosis) and `TimeToFix` (receipt to a verified fix), in ms.
 */
export function outcomeMetrics(outcome: Outcome): Datum[] {
  const action = outcome.plan?.action ?? 'none';
  const result = outcome.stage === 'awaiting-approval' ? 'pending-approval' : (outcome.result ?? outcome.stage);
  const data: Datum[] = [['Outcomes', MetricUnit.Count, 1, { Result: result, Action: action }]];
  if (outcome.stage === 'awaiting-approval') return data;
  if (outcome.diagnosis !== undefined) {
    data.push(['Diagnoses', MetricUnit.Count, 1, { Anomaly: outcome.diagnosis.anomaly }]);
    // Verdicts of the metric models (confirmed / not-confirmed / insufficient-data): with
    // AlertsReceived, the confirmation rate.
    for (const item of outcome.diagnosis.evidence) {
      if (!item.source.startsWith('prometheus:')) continue;
      const status = item.message.slice(0, item.message.indexOf(':'));
      data.push(['MetricVerdicts', MetricUnit.Count, 1, { Status: status }]);
    }
  }
  if (outcome.result === 'refused' && outcome.reason?.startsWith('circuit open') === true) {
    data.push(['CircuitOpen', MetricUnit.Count, 1, {}]);
  }
  if (outcome.verification?.undone !== undefined) {
    data.push(['FixesUndone', MetricUnit.Count, 1, { Action: action }]);
  }
  const received = Date.parse(outcome.timings.receivedAt);
  const diagnosed = Date.parse(outcome.timings.diagnosedAt ?? '');
  const finished = Date.parse(outcome.timings.finishedAt ?? '');
  if (Number.isFinite(diagnosed)) data.push(['TimeToDiagnose', MetricUnit.Milliseconds, diagnosed - received, {}]);
  if (outcome.result === 'applied' && Number.isFinite(finished)) {
    data.push(['TimeToFix', MetricUnit.Milliseconds, finished - received, { Action: action }]);
  }
  return data;
}
