import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

import type { Outcome } from '../../../lib/domain/types.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { emfMetrics, METRIC_NAMES, outcomeMetrics } from '../../../lib/observe/metrics.ts';
import { prometheusMetrics } from '../../../lib/observe/prometheus.ts';
import { alertFixture } from '../../helpers/fixtures.ts';

const applied: Outcome = {
  id: 'fp@2026-11-26T02:14:05.123Z',
  alert: alertFixture(),
  stage: 'done',
  result: 'applied',
  diagnosis: {
    detector: 'crash-loop',
    anomaly: 'oom-killed',
    target: { kind: 'Pod', namespace: 'payments', name: 'checkout-x' },
    summary: 'killed',
    confidence: 0.9,
    evidence: [],
    facts: {},
  },
  plan: {
    action: 'raise-memory',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
    params: {},
    reason: 'oom',
  },
  timings: {
    receivedAt: '2026-11-26T02:20:00.000Z',
    diagnosedAt: '2026-11-26T02:20:00.750Z',
    finishedAt: '2026-11-26T02:21:30.000Z',
  },
  attempts: 1,
};

describe('self-monitoring metrics', () => {
  it('derive counts by result and action, diagnoses by anomaly, undos and durations from a record', () => {
    const undone: Outcome = {
      ...applied,
      result: 'failed',
      verification: { status: 'worse', detail: 'crash', checkedAt: '2026-11-26T02:21:30.000Z', undone: 'put back' },
    };

    expect(outcomeMetrics(applied)).toEqual([
      ['Outcomes', 'Count', 1, { Result: 'applied', Action: 'raise-memory' }],
      ['Diagnoses', 'Count', 1, { Anomaly: 'oom-killed' }],
      ['TimeToDiagnose', 'Milliseconds', 750, {}],
      ['TimeToFix', 'Milliseconds', 90_000, { Action: 'raise-memory' }],
    ]);
    expect(outcomeMetrics(undone).map(([name]) => name)).toEqual([
      'Outcomes',
      'Diagnoses',
      'FixesUndone',
      'TimeToDiagnose',
    ]);
    const judged: Outcome = {
      ...applied,
      diagnosis: {
        ...applied.diagnosis!,
        evidence: [{ source: 'prometheus:memory-vs-limit', message: 'confirmed: steady at 96%' }],
      },
    };
    expect(outcomeMetrics(judged)).toContainEqual(['MetricVerdicts', 'Count', 1, { Status: 'confirmed' }]);
    expect(outcomeMetrics({ ...applied, stage: 'awaiting-approval', result: undefined })).toEqual([
      ['Outcomes', 'Count', 1, { Result: 'pending-approval', Action: 'raise-memory' }],
    ]);
  });

  describe('in Embedded Metric Format', () => {
    let lines: string[];
    let restore: () => void;
    beforeEach(() => {
      lines = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
      restore = () => spy.mockRestore();
    });
    afterEach(() => restore());

    it('writes one EMF document per metric, in the kubemend namespace with its dimensions', () => {
      emfMetrics('kubemend-remediator').outcome(applied);

      const documents = lines.map(
        (line) =>
          JSON.parse(line) as {
            _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
            [key: string]: unknown;
          },
      );
      expect(documents).toHaveLength(4);
      const outcomes = documents[0]!;
      expect(outcomes._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'kubemend',
        Metrics: [{ Name: 'Outcomes', Unit: 'Count' }],
      });
      expect(outcomes._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(
        expect.arrayContaining(['service', 'Result', 'Action']),
      );
      expect(outcomes).toMatchObject({
        Outcomes: 1,
        Result: 'applied',
        Action: 'raise-memory',
        service: 'kubemend-remediator',
      });
      expect(documents[3]).toMatchObject({ TimeToFix: 90_000, Action: 'raise-memory' });
    });
  });

  it('has a Grafana dashboard that shows only metrics kubemend or AWS write', () => {
    const dashboard = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../infra/grafana/kubemend.json'), 'utf8'),
    ) as { panels: { targets: { namespace: string; metricName: string }[] }[] };
    const shown = dashboard.panels.flatMap((panel) => panel.targets);

    expect(
      shown
        .filter((t) => t.namespace === 'kubemend')
        .map((t) => t.metricName)
        .sort(),
    ).toEqual([...METRIC_NAMES].sort());
    expect(shown.every((t) => ['kubemend', 'AWS/SQS', 'AWS/Lambda'].includes(t.namespace))).toBe(true);
  });
});

describe('Prometheus exposition for kubemend serve', () => {
  it('renders counters by label and the time of the last applied fix per alert and target', () => {
    const metrics = prometheusMetrics();
    metrics.alertsReceived(3);
    metrics.outcome(applied);
    metrics.outcome({ ...applied, result: 'refused', reason: 'circuit open: 5 fixes applied …', plan: undefined });

    const text = metrics.render();

    expect(text).toContain('kubemend_alerts_received_total 3\n');
    expect(text).toContain('kubemend_outcomes_total{result="applied",action="raise-memory"} 1\n');
    expect(text).toContain('kubemend_outcomes_total{result="refused",action="none"} 1\n');
    expect(text).toContain('kubemend_circuit_open_total 1\n');
    expect(text).toContain('kubemend_diagnoses_total{anomaly="oom-killed"} 2\n');
    expect(text).toContain('kubemend_time_to_fix_seconds_sum 90\n');
    expect(text).toContain(
      'kubemend_fix_applied_timestamp_seconds{alertname="KubePodCrashLooping",namespace="payments",action="raise-memory",target="Deployment/checkout"} 1795659690\n',
    );
    expect(text).toContain('# TYPE kubemend_fix_applied_timestamp_seconds gauge\n');
  });

  it('starts every unlabelled counter at zero', () => {
    const text = prometheusMetrics().render();

    expect(text).toContain('kubemend_alerts_received_total 0\n');
    expect(text).toContain('kubemend_circuit_open_total 0\n');
    expect(text).not.toContain('kubemend_outcomes_total{');
  });
});
