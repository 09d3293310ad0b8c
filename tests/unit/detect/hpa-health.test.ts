import { describe, expect, it } from '@jest/globals';

import { hpaHealth } from '../../../lib/detect/hpa-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, storefrontHpa } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function diagnose(hpa: ReturnType<typeof storefrontHpa> | null) {
  return hpaHealth.diagnose({ namespace: 'web', name: 'storefront', hpa }, now);
}

describe('hpa-health detector: observe', () => {
  it('reads the HPA the alert names', async () => {
    const observed = await hpaHealth.observe(alertFixture('hpa-maxed.json'), new FakeKube().add(storefrontHpa()));

    expect(observed).toMatchObject({ namespace: 'web', name: 'storefront', hpa: { spec: { maxReplicas: 10 } } });
  });

  it('records an HPA that no longer exists as null', async () => {
    expect((await hpaHealth.observe(alertFixture('hpa-maxed.json'), new FakeKube())).hpa).toBeNull();
  });
});

describe('hpa-health detector: diagnose', () => {
  it('says an HPA pinned at its ceiling needs a higher one, with the bounds a fix would raise', () => {
    const diagnosis = diagnose(storefrontHpa('maxed-out'));

    expect(diagnosis).toMatchObject({
      detector: 'hpa-health',
      anomaly: 'hpa-maxed-out',
      target: { kind: 'HorizontalPodAutoscaler', namespace: 'web', name: 'storefront' },
      confidence: 0.7,
    });
    // Its status caps desiredReplicas at the ceiling; what the metric asks for is computed as the HPA controller does.
    expect(diagnosis.summary).toBe(
      'HPA storefront runs Deployment storefront at its ceiling of 10 replicas; cpu at 93% of requests against a 70% target would take about 14: raise maxReplicas (if the cluster has room) or reduce load per pod',
    );
    expect(diagnosis.summary).toContain('raise maxReplicas (if the cluster has room) or reduce load per pod');
    expect(diagnosis.facts).toEqual({
      hpa: {
        namespace: 'web',
        name: 'storefront',
        uid: '8c7b6a59-4d3e-4f2a-9b1c-0d9e8f7a6b5c',
        minReplicas: 2,
        maxReplicas: 10,
        currentReplicas: 10,
        desiredReplicas: 10,
      },
    });
  });

  it('gives its replicas, bounds, conditions and metrics as evidence', () => {
    expect(diagnose(storefrontHpa('maxed-out')).evidence.map((item) => item.message)).toEqual([
      'replicas 10 (desired 10), bounds 2–10, scaling Deployment storefront',
      'AbleToScale=True (ReadyForNewScale): recommended size matches current size',
      'ScalingActive=True (ValidMetricFound): the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited=True (TooManyReplicas): the desired replica count is more than the maximum replica count',
      'cpu at 93% of requests',
    ]);
  });

  it('says an HPA that cannot read its metrics cannot scale', () => {
    expect(diagnose(storefrontHpa('metrics-unavailable'))).toMatchObject({
      anomaly: 'hpa-cannot-scale',
      summary:
        'HPA storefront cannot scale Deployment storefront: FailedGetResourceMetric — the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
      confidence: 0.8,
    });
  });

  it('says an HPA that cannot read its target’s scale cannot scale', () => {
    const hpa = storefrontHpa('within-range');
    hpa.status!.conditions![0] = {
      type: 'AbleToScale',
      status: 'False',
      reason: 'FailedGetScale',
      message:
        'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "storefront" not found',
    };

    expect(diagnose(hpa).summary).toBe(
      'HPA storefront cannot scale Deployment storefront: FailedGetScale — the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "storefront" not found',
    );
  });

  it('says new pods are not becoming ready when the HPA wants more replicas than run', () => {
    expect(diagnose(storefrontHpa('scaling-up'))).toMatchObject({
      anomaly: 'hpa-replicas-mismatch',
      summary:
        'HPA storefront wants 6 replicas of Deployment storefront but 4 run: new pods are not becoming ready (check the workload)',
      confidence: 0.5,
    });
  });

  it('reports gone for an HPA that no longer exists', () => {
    expect(diagnose(null)).toMatchObject({
      anomaly: 'gone',
      summary: 'HPA web/storefront no longer exists',
      facts: {},
    });
  });
});

describe('hpa-health detector: audit', () => {
  function picked(...hpas: ReturnType<typeof storefrontHpa>[]) {
    return [...hpaHealth.audit!.snapshots(createListing({ HorizontalPodAutoscaler: hpas }), now)].map((s) => s.name);
  }

  it('picks an HPA that cannot scale', () => {
    expect(picked(storefrontHpa('metrics-unavailable'))).toEqual(['storefront']);
  });

  it('skips an HPA within its bounds, even one scaling up', () => {
    expect(picked(storefrontHpa('within-range'), storefrontHpa('scaling-up'))).toEqual([]);
  });

  it('picks an HPA whose desired count is above a ceiling that was just lowered', () => {
    const lowered = storefrontHpa('maxed-out');
    lowered.spec.maxReplicas = 8;

    expect(picked(lowered)).toEqual(['storefront']);
  });

  // The controller caps desiredReplicas at the ceiling and reports ScalingLimited=True
  // (TooManyReplicas): that is what an HPA pinned at its ceiling looks like.
  it('picks an HPA pinned at its ceiling as the controller reports it', () => {
    expect(picked(storefrontHpa('maxed-out'))).toEqual(['storefront']);
  });
});
