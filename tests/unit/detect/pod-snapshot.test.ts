import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { containerLabel, observePod, orNull, requireLabel } from '../../../lib/detect/pod-snapshot.ts';
import { AlertLabelError, ClusterUnreachableError, NotFoundError } from '../../../lib/errors.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  alertFixture,
  checkoutPod,
  checkoutReplicaSets,
  crashingPod,
  deployment,
  node,
  podIn,
  warningEvent,
} from '../../helpers/fixtures.ts';

/** KubeContainerWaiting for checkout's pod (the sample names a ledger pod; this one is in the fixtures). */
function waitingAlert(labels: Record<string, string> = {}): Alert {
  const alert = alertFixture('grouped-namespace.json', 2);
  return {
    ...alert,
    labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
      pod: 'checkout-7d9f8b6c5d-x2k9p',
      container: 'app',
      ...labels,
    }),
  };
}

describe('observePod', () => {
  it('reads the pod, its Warning events, its ReplicaSet, its Deployment and the Deployment’s revisions', async () => {
    const kube = new FakeKube().add(checkoutPod('bad-image'), deployment(), ...checkoutReplicaSets());
    kube.events = [
      warningEvent({ kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' }, 'Failed', 'ErrImagePull'),
      warningEvent({ kind: 'Pod', name: 'checkout-7d9f8b6c5d-q8w3n', namespace: 'payments' }, 'Failed', 'other pod'),
    ];

    const observed = await observePod(waitingAlert(), kube);

    expect(observed.pod?.metadata?.name).toBe('checkout-7d9f8b6c5d-x2k9p');
    expect(observed.events.map((event) => event.message)).toEqual(['ErrImagePull']);
    expect(observed.replicaSet?.metadata?.name).toBe('checkout-7d9f8b6c5d');
    expect(observed.deployment?.metadata?.name).toBe('checkout');
    expect(observed.replicaSets.map((rs) => rs.metadata?.name).sort()).toEqual([
      'checkout-6c5b4a3928',
      'checkout-7d9f8b6c5d',
    ]);
  });

  it('reads the node the pod is bound to, null when it no longer exists', async () => {
    const withNode = await observePod(
      waitingAlert(),
      new FakeKube().add(checkoutPod('bad-image'), node('unreachable')),
    );
    const without = await observePod(waitingAlert(), new FakeKube().add(checkoutPod('bad-image')));

    expect(withNode.node?.metadata?.name).toBe('ip-10-0-3-17.eu-west-1.compute.internal');
    expect(without.node).toBeNull();
  });

  it('reads no node for a pod not yet bound to one', async () => {
    const pending = podIn('unschedulable', {
      name: 'checkout-7d9f8b6c5d-x2k9p',
      namespace: 'payments',
      uid: '3e0c8f4a-x2k9p-4b1d-9a7e-5c2f8d6b1a03',
      labels: { app: 'checkout' },
      owner: null,
    });

    expect((await observePod(waitingAlert(), new FakeKube().add(pending))).node).toBeUndefined();
  });

  it('copies what diagnose needs from the alert: the container it names and when it began', async () => {
    const observed = await observePod(waitingAlert(), new FakeKube().add(checkoutPod('bad-image')));

    expect(observed).toMatchObject({
      namespace: 'payments',
      podName: 'checkout-7d9f8b6c5d-x2k9p',
      container: 'app',
      since: '2026-11-26T02:14:05.123Z',
    });
  });

  it('reads no owner for a pod without a controller', async () => {
    const kube = new FakeKube().add(crashingPod({ owner: null }), deployment(), ...checkoutReplicaSets());

    const observed = await observePod(waitingAlert(), kube);

    expect([observed.replicaSet, observed.deployment, observed.replicaSets]).toEqual([null, null, []]);
  });

  it('records a pod that no longer exists as null and reads nothing else', async () => {
    const observed = await observePod(waitingAlert(), new FakeKube().add(deployment(), ...checkoutReplicaSets()));

    expect(observed).toMatchObject({ pod: null, events: [], replicaSet: null, deployment: null, replicaSets: [] });
  });

  it('fails with an AlertLabelError when the alert names no pod', async () => {
    await expect(observePod(waitingAlert({ pod: '' }), new FakeKube())).rejects.toThrow(
      new AlertLabelError('alert KubeContainerWaiting has no "pod" label'),
    );
  });
});

describe('containerLabel', () => {
  it('copies a container label, and none when it is empty', () => {
    expect(containerLabel(waitingAlert())).toEqual({ container: 'app' });
    expect(containerLabel(waitingAlert({ container: '' }))).toEqual({});
  });
});

describe('requireLabel', () => {
  it('returns the label’s value', () => {
    expect(requireLabel(waitingAlert(), 'namespace')).toBe('payments');
  });

  it('names the alert and the missing label', () => {
    expect(() => requireLabel(waitingAlert(), 'deployment')).toThrow(
      new AlertLabelError('alert KubeContainerWaiting has no "deployment" label'),
    );
  });
});

describe('orNull', () => {
  it('turns the API server’s not found into null', async () => {
    await expect(orNull(Promise.reject(new NotFoundError('pod payments/x not found')))).resolves.toBeNull();
  });

  it('lets every other failure through', async () => {
    await expect(orNull(Promise.reject(new ClusterUnreachableError('no route')))).rejects.toBeInstanceOf(
      ClusterUnreachableError,
    );
  });
});
