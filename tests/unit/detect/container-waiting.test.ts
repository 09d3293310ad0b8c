import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { containerWaiting } from '../../../lib/detect/container-waiting.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  alertFixture,
  checkoutPod,
  checkoutReplicaSets,
  deployment,
  node,
  warningEvent,
} from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** KubeContainerWaiting as kube-prometheus sends it, for checkout's pod and its container app. */
function waitingAlert(): Alert {
  const alert = alertFixture('grouped-namespace.json', 2);
  return {
    ...alert,
    labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
      pod: 'checkout-7d9f8b6c5d-x2k9p',
      container: 'app',
    }),
  };
}

describe('container-waiting detector', () => {
  it('ties a bad image to the rollout that introduced it, from what it reads of the cluster', async () => {
    const kube = new FakeKube().add(checkoutPod('bad-image'), node(), deployment(), ...checkoutReplicaSets());
    kube.events = [
      warningEvent(
        { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
        'Failed',
        'Failed to pull image "registry.example/checkout:1.15.0": not found',
      ),
    ];

    const diagnosis = containerWaiting.diagnose(await containerWaiting.observe(waitingAlert(), kube), now);

    expect(diagnosis).toMatchObject({
      detector: 'container-waiting',
      anomaly: 'bad-image',
      target: { kind: 'Deployment', name: 'checkout' },
      confidence: 0.8,
    });
    expect(diagnosis.summary).toContain('roll back to revision 2 (replicaset checkout-6c5b4a3928)');
    expect(diagnosis.evidence.map((item) => item.message)).toContain(
      'Failed: Failed to pull image "registry.example/checkout:1.15.0": not found',
    );
    expect(diagnosis.facts.rollout).toMatchObject({ from: '3', to: '2', beganWithIt: true });
  });

  it('names the missing ConfigMap of a container that cannot start', async () => {
    const kube = new FakeKube().add(checkoutPod('config-error'), node());

    const diagnosis = containerWaiting.diagnose(await containerWaiting.observe(waitingAlert(), kube), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'config-error',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p' },
      summary: 'container app cannot start: configmap "checkout-config" not found',
    });
  });

  it('leaves audits to pod-not-ready, so that a bare pod is reported once', () => {
    expect(containerWaiting.audit).toBeUndefined();
  });
});
