import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import type { Alert } from '../../../lib/alert/schema.ts';
import { cpuThrottling } from '../../../lib/detect/cpu-throttling.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const DESCRIPTION = '64.2% throttling of CPU in namespace payments for container app in pod checkout-7d9f8b6c5d-x2k9p.';

/** CPUThrottlingHigh as kube-prometheus sends it for checkout's container app. */
function throttlingAlert(): Alert {
  const alert = alertFixture();
  return {
    ...alert,
    labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
      alertname: 'CPUThrottlingHigh',
    }),
    annotations: Object.assign(Object.create(null) as Record<string, string>, { description: DESCRIPTION }),
  };
}

function diagnose(pod: V1Pod | null, container = 'app') {
  return cpuThrottling.diagnose(
    { namespace: 'payments', podName: 'checkout-7d9f8b6c5d-x2k9p', container, description: DESCRIPTION, pod },
    now,
  );
}

describe('cpu-throttling detector: observe', () => {
  it('reads the pod and copies the container and the description the alert gives', async () => {
    const observed = await cpuThrottling.observe(throttlingAlert(), new FakeKube().add(checkoutPod('healthy')));

    expect(observed).toMatchObject({ container: 'app', description: DESCRIPTION });
    expect(observed.pod?.metadata?.name).toBe('checkout-7d9f8b6c5d-x2k9p');
  });
});

describe('cpu-throttling detector: diagnose', () => {
  it('points at the CPU limit, says no restart is needed, and gives a fix nothing to act on', () => {
    const diagnosis = diagnose(checkoutPod('healthy'));

    expect(diagnosis).toEqual({
      detector: 'cpu-throttling',
      anomaly: 'cpu-throttled',
      target: {
        kind: 'Pod',
        namespace: 'payments',
        name: 'checkout-7d9f8b6c5d-x2k9p',
        uid: '3e0c8f4a-x2k9p-4b1d-9a7e-5c2f8d6b1a03',
      },
      summary:
        'container app is throttled at its CPU limit of 500m (request 250m): raise or remove the limit if latency matters; throttling is not a crash and needs no restart',
      confidence: 0.7,
      evidence: [
        { source: 'pod.spec', message: 'container app: cpu limit 500m, request 250m' },
        { source: 'alert', message: DESCRIPTION },
      ],
      facts: {},
    });
  });

  it('says the alert is stale or a LimitRange default applies when the container has no CPU limit', () => {
    const pod = checkoutPod('healthy');
    pod.spec!.containers[0]!.resources = { requests: { cpu: '250m' } };

    expect(diagnose(pod)).toMatchObject({
      summary:
        'container app has no CPU limit: the throttling comes from a namespace LimitRange default or the alert is stale',
      confidence: 0.4,
    });
  });

  it('reads the limit of the container the alert names', () => {
    const pod = checkoutPod('healthy');
    pod.spec!.containers.push({
      name: 'envoy',
      image: 'registry.example/envoy:1.31.2',
      resources: { limits: { cpu: '100m' } },
    });

    expect(diagnose(pod, 'envoy').summary).toContain(
      'container envoy is throttled at its CPU limit of 100m (request none)',
    );
  });

  it('reports gone for a pod that no longer exists', () => {
    expect(diagnose(null)).toMatchObject({
      anomaly: 'gone',
      summary: 'pod payments/checkout-7d9f8b6c5d-x2k9p no longer exists',
    });
  });
});
