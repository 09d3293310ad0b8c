import type { Outcome } from '../domain/types.ts';
import { outcomeMetrics, type OutcomeMetrics } from './metrics.ts';

/**
 * The same self-monitoring as the EMF metrics, kept in memory and rendered in the Prometheus
 * text format at `GET /metrics` of `kubemend serve`, for clusters that run Prometheus (see
 * infra/prometheus/kubemend-rules.yml). Counters since the process started, plus the time of the
 * last applied fix per alert and target, for "the alert still fires after a fix".
 */
export interface PrometheusMetrics extends OutcomeMetrics {
  render(): string;
}

const HELP: Record<string, [type: 'counter' | 'gauge', help: string]> = {
  kubemend_alerts_received_total: ['counter', 'Alerts accepted from Alertmanager webhooks.'],
  kubemend_outcomes_total: ['counter', 'Records that reached a result (or wait for approval), by result and action.'],
  kubemend_diagnoses_total: ['counter', 'Diagnoses by anomaly.'],
  kubemend_metric_verdicts_total: ['counter', "Verdicts of the metric models on alerts' history, by status."],
  kubemend_circuit_open_total: ['counter', 'Fixes the circuit breaker refused.'],
  kubemend_fixes_undone_total: ['counter', 'Fixes undone after they did not recover, by action.'],
  kubemend_time_to_diagnose_seconds_sum: ['counter', 'Seconds from receipt to diagnosis, summed.'],
  kubemend_time_to_diagnose_seconds_count: ['counter', 'Diagnoses timed.'],
  kubemend_time_to_fix_seconds_sum: ['counter', 'Seconds from receipt to a verified fix, summed.'],
  kubemend_time_to_fix_seconds_count: ['counter', 'Fixes timed.'],
  kubemend_fix_applied_timestamp_seconds: [
    'gauge',
    'When kubemend last applied a fix for an alert, by alertname, namespace, action and target.',
  ],
};

const UNLABELLED = new Set([
  'kubemend_alerts_received_total',
  'kubemend_circuit_open_total',
  'kubemend_time_to_diagnose_seconds_sum',
  'kubemend_time_to_diagnose_seconds_count',
  'kubemend_time_to_fix_seconds_sum',
  'kubemend_time_to_fix_seconds_count',
]);

const NAMES: Record<string, string> = {
  Outcomes: 'kubemend_outcomes_total',
  Diagnoses: 'kubemend_diagnoses_total',
  MetricVerdicts: 'kubemend_metric_verdicts_total',
  CircuitOpen: 'kubemend_circuit_open_total',
  FixesUndone: 'kubemend_fixes_undone_total',
};

export function prometheusMetrics(): PrometheusMetrics {
  const series = new Map<string, { name: string; labels: Record<string, string>; value: number }>();
  const add = (name: string, labels: Record<string, string>, value: number, set = false) => {
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    const current = series.get(key) ?? { name, labels, value: 0 };
    current.value = set ? value : current.value + value;
    series.set(key, current);
  };
  const lower = (labels: Record<string, string>) =>
    Object.fromEntries(Object.entries(labels).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    alertsReceived: (count) => add('kubemend_alerts_received_total', {}, count),
    coldStart: () => undefined,
    outcome: (outcome: Outcome) => {
      for (const [name, , value, dimensions] of outcomeMetrics(outcome)) {
        if (name === 'TimeToDiagnose' || name === 'TimeToFix') {
          const base = name === 'TimeToDiagnose' ? 'kubemend_time_to_diagnose_seconds' : 'kubemend_time_to_fix_seconds';
          add(`${base}_sum`, {}, value / 1000);
          add(`${base}_count`, {}, 1);
        } else if (NAMES[name] !== undefined) {
          add(NAMES[name], lower(dimensions), value);
        }
      }
      const target = outcome.plan?.target;
      if (outcome.result === 'applied' && target !== undefined) {
        add(
          'kubemend_fix_applied_timestamp_seconds',
          {
            alertname: outcome.alert.labels.alertname ?? '',
            namespace: target.namespace ?? outcome.alert.labels.namespace ?? '',
            action: outcome.plan?.action ?? '',
            target: `${target.kind}/${target.name}`,
          },
          Date.parse(outcome.timings.finishedAt ?? '') / 1000,
          true,
        );
      }
    },
    render: () => {
      const lines: string[] = [];
      for (const [name, [type, help]] of Object.entries(HELP)) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        const rows = [...series.values()].filter((s) => s.name === name);
        // Counters without labels exist from the start, so rates and `absent()` work at once.
        if (rows.length === 0 && UNLABELLED.has(name)) lines.push(`${name} 0`);
        for (const row of rows) lines.push(`${name}${labelText(row.labels)} ${row.value}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([key, value]) => `${key}="${escape(value)}"`).join(',')}}`;
}
