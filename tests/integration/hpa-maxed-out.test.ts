import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  applyShippedRbac,
  createDeployment,
  createHpa,
  createNamespace,
  diagnoseOnCluster,
  enforcing,
  firingAlert,
  readHpa,
  remediateOnCluster,
  until,
} from '../testenv/cluster.ts';
import { startMetricsApi, type MetricsApi } from '../testenv/metrics-api.ts';
import { memoryStore } from '../helpers/support.ts';

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
      // About what the metric asks for, as the HPA controller computes it (its status caps desired at the ceiling).
      /^HPA storefront runs Deployment storefront at its ceiling of 3 replicas; cpu at \d+% of requests against a 60% target would take about \d+: raise maxReplicas/,
    );
    const evidence = outcome.diagnosis?.evidence.map((e) => e.message) ?? [];
    expect(evidence).toContain('cpu at 450% of requests');
    expect(evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ScalingLimited=True \(TooManyReplicas\): /)]),
    );
  }, 180_000);

  it('raises the ceiling of a pinned HPA, sees it scale past the old one, and refuses beyond the cap (raise-hpa-max)', async () => {
    const namespace = await createNamespace('hpa-raise');
    await createDeployment(namespace, 'web', { container: 'web', requests: { cpu: '100m' } });
    metrics.setUsage(namespace, { cpu: '450m', memory: '64Mi' });
    await createHpa(namespace, 'web', { minReplicas: 1, maxReplicas: 2, cpuUtilization: 60 });
    await until(
      'the HPA to reach its ceiling',
      () => readHpa(namespace, 'web'),
      (hpa) => hpa.status?.currentReplicas === 2,
      120_000,
    );
    const store = memoryStore();
    const diagnosed = await diagnoseOnCluster(
      firingAlert('hpa-maxed.json', { namespace, horizontalpodautoscaler: 'web' }),
      undefined,
      store,
    );
    expect(diagnosed.plan).toMatchObject({ action: 'raise-hpa-max', params: { from: 2, to: 3 } });
    const agentConfig = enforcing({ verify: { timeoutSeconds: 60, intervalSeconds: 1 } });

    const outcome = await remediateOnCluster(diagnosed.id, store, agentConfig);

    expect(outcome).toMatchObject({
      result: 'applied',
      diff: ['spec.maxReplicas: 2 → 3'],
      verification: { status: 'verified', detail: 'scaled to 3 replicas (above the old ceiling of 2)' },
      undo: { maxReplicas: 2 },
    });

    const capped = await diagnoseOnCluster(
      firingAlert('hpa-maxed.json', { namespace, horizontalpodautoscaler: 'web' }),
      undefined,
      store,
    );
    const refused = await remediateOnCluster(
      capped.id,
      store,
      enforcing({ limits: { maxHpaReplicas: 4 }, verify: { timeoutSeconds: 60, intervalSeconds: 1 } }),
    );
    expect(refused).toMatchObject({
      result: 'refused',
      reason: 'raising maxReplicas to 5 is above maxHpaReplicas 4 (limits)',
    });
  }, 180_000);
});
