import { describe, expect, it } from '@jest/globals';

import { finding, findingOf } from '../../../lib/audit/finding.ts';
import type { Diagnosis } from '../../../lib/domain/types.ts';

describe('finding', () => {
  it('keys a finding by kind, namespace, name and anomaly, so the next audit recognises it', () => {
    const found = finding(
      'audit',
      { kind: 'CronJob', namespace: 'reporting', name: 'nightly-report' },
      { anomaly: 'cronjob-suspended', summary: 'cronjob nightly-report is suspended', evidence: [] },
    );

    expect(found).toEqual({
      key: 'CronJob/reporting/nightly-report/cronjob-suspended',
      detector: 'audit',
      kind: 'CronJob',
      namespace: 'reporting',
      name: 'nightly-report',
      anomaly: 'cronjob-suspended',
      summary: 'cronjob nightly-report is suspended',
      confidence: 0.8,
      evidence: [],
    });
  });

  it('leaves the namespace empty in the key of a cluster-scoped object', () => {
    const found = finding(
      'audit',
      { kind: 'Node', name: 'ip-10-0-3-17.eu-west-1.compute.internal' },
      {
        anomaly: 'node-not-ready',
        summary: 'NotReady',
        confidence: 0.6,
        evidence: [],
      },
    );

    expect([found.key, found.confidence]).toEqual([
      'Node//ip-10-0-3-17.eu-west-1.compute.internal/node-not-ready',
      0.6,
    ]);
  });
});

describe('findingOf', () => {
  it('makes a detector’s diagnosis a finding about its target, keeping its words and evidence but not its facts', () => {
    const diagnosis: Diagnosis = {
      detector: 'hpa-health',
      anomaly: 'hpa-cannot-scale',
      target: { kind: 'HorizontalPodAutoscaler', namespace: 'web', name: 'storefront', uid: 'h1' },
      summary: 'HPA storefront cannot scale Deployment storefront',
      confidence: 0.8,
      evidence: [{ source: 'hpa.status', message: 'ScalingActive=False (FailedGetResourceMetric)' }],
      facts: {
        hpa: {
          namespace: 'web',
          name: 'storefront',
          minReplicas: 2,
          maxReplicas: 10,
          currentReplicas: 2,
          desiredReplicas: 2,
        },
      },
    };

    expect(findingOf(diagnosis)).toEqual({
      key: 'HorizontalPodAutoscaler/web/storefront/hpa-cannot-scale',
      detector: 'hpa-health',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'web',
      name: 'storefront',
      anomaly: 'hpa-cannot-scale',
      summary: 'HPA storefront cannot scale Deployment storefront',
      confidence: 0.8,
      evidence: [{ source: 'hpa.status', message: 'ScalingActive=False (FailedGetResourceMetric)' }],
    });
  });
});
