import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { podNotReady } from '../../../lib/detect/pod-not-ready.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, checkoutReplicaSets, deployment, node, podIn } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** KubePodNotReady as kube-prometheus sends it (no container label), for checkout's pod. */
function notReadyAlert(startsAt = '2026-11-26T02:14:05.123Z'): Alert {
  const alert = alertFixture();
  const labels = Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
    alertname: 'KubePodNotReady',
  });
  delete labels.container;
  delete labels.reason;
  return { ...alert, labels, startsAt };
}

describe('pod-not-ready detector', () => {
  it('gives the scheduler’s reason for a pending pod and ties it to the rollout it began after', async () => {
    const kube = new FakeKube().add(checkoutPod('unschedulable'), deployment(), ...checkoutReplicaSets());

    const diagnosis = podNotReady.diagnose(await podNotReady.observe(notReadyAlert(), kube), now);

    expect(diagnosis).toMatchObject({
      detector: 'pod-not-ready',
      anomaly: 'unschedulable',
      target: { kind: 'Deployment', name: 'checkout' },
    });
    expect(diagnosis.summary).toMatch(
      /^the scheduler finds no node for the pod: 3 Insufficient memory; it began after revision 3 of deployment checkout /,
    );
  });

  it('reports failing probes of the pod itself when the problem predates the latest rollout', async () => {
    const kube = new FakeKube().add(checkoutPod('probe-failure'), node(), deployment(), ...checkoutReplicaSets());

    const diagnosis = podNotReady.diagnose(await podNotReady.observe(notReadyAlert('2026-11-26T02:05:00Z'), kube), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'probe-failure',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p' },
      summary: 'container app runs but is not ready',
    });
    expect(diagnosis.facts.rollout?.beganWithIt).toBe(false);
  });

  it('audits bare pods under its own name', () => {
    const pod = podIn('bad-image', {
      name: 'debug-shell',
      namespace: 'payments',
      uid: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
      labels: { run: 'debug-shell' },
      owner: null,
      image: 'registry.example/toolbox:2024.11',
    });

    const diagnoses = [...podNotReady.audit!.snapshots(createListing({ Pod: [pod] }), now)].map((snapshot) =>
      podNotReady.diagnose(snapshot, now),
    );

    expect(diagnoses.map((d) => [d.detector, d.anomaly, d.target.name])).toEqual([
      ['pod-not-ready', 'bad-image', 'debug-shell'],
    ]);
  });
});
