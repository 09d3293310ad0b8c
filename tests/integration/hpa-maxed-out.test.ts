import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  applyShippedRbac,
  createDeployment,
  createHpa,
  createNamespace,
  diagnoseOnCluster,
  firingAlert,
  readHpa,
  until,
} from '../testenv/cluster.ts';
import { startMetricsApi, type MetricsApi } from '../testenv/metrics-api.ts';

/**
 * An HPA pinned at its ceiling: the resource metrics API reports load far above the target, the
 * real HPA controller scales the Deployment to maxReplicas and marks itself ScalingLimited, and
 * the detector reads that HPA as the detector identity under the shipped RBAC.
 */
let metrics: MetricsApi;

beforeAll(async () => {
  await applyShippedRbac();
  metrics = await startMetricsApi();
});

afterAll(async () => {
  await metrics?.stop();
});

describe('KubeHpaMaxedOut on a real control plane', () => {
  it('says the HPA is at its ceiling with demand above target, with the controller’s numbers', async () => {
    const namespace = await createNamespace('hpa-max');
    await createDeployment(namespace, 'storefront', { container: 'web', requests: { cpu: '100m' } });
    // 450m used per pod against 100m requested: 450% of requests, target 60%.
    metrics.setUsage(namespace, { cpu: '450m', memory: '64Mi' });
    await createHpa(namespace, 'storefront', { minReplicas: 1, maxReplicas: 3, cpuUtilization: 60 });

    await until(
      'the HPA controller to scale to its ceiling',
      () => readHpa(namespace, 'storefront'),
      (hpa) =>
        hpa.status?.currentReplicas === 3 &&
        (hpa.status.conditions ?? []).some((c) => c.type === 'ScalingLimited' && c.status === 'True'),
      120_000,
    );

    const outcome = await diagnoseOnCluster(
      firingAlert('hpa-maxed.json', { namespace, horizontalpodautoscaler: 'storefront' }),
    );

    expect(outcome).toMatchObject({ stage: 'planned', plan: { action: 'raise-hpa-max', params: { from: 3, to: 5 } } });
    expect(outcome.diagnosis).toMatchObject({ detector: 'hpa-health', anomaly: 'hpa-maxed-out' });
    expect(outcome.diagnosis?.summary).toMatch(
      /^HPA storefront runs Deployment storefront at its ceiling of 3 replicas and wants \d+: raise maxReplicas/,
    );
    const evidence = outcome.diagnosis?.evidence.map((e) => e.message) ?? [];
    expect(evidence).toContain('cpu at 450% of requests');
    expect(evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ScalingLimited=True \(TooManyReplicas\): /)]),
    );
  }, 180_000);
});
