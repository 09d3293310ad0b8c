import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { pdbHealth, type PdbSnapshot } from '../../../lib/detect/pdb-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPdb, checkoutPod, postgresPod } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function pdbAlert(): Alert {
  const alert = alertFixture();
  const labels = Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
    alertname: 'KubePdbNotEnoughHealthyPods',
    poddisruptionbudget: 'checkout',
  });
  delete labels.pod;
  delete labels.container;
  return { ...alert, labels };
}

function snapshot(overrides: Partial<PdbSnapshot> = {}): PdbSnapshot {
  return {
    namespace: 'payments',
    name: 'checkout',
    pdb: checkoutPdb(),
    pods: [
      { pod: checkoutPod('app-crash', 'checkout-7d9f8b6c5d-x2k9p'), events: [] },
      { pod: checkoutPod('app-crash', 'checkout-7d9f8b6c5d-q8w3n'), events: [] },
      { pod: checkoutPod('healthy', 'checkout-7d9f8b6c5d-h6j2m'), events: [] },
    ],
    ...overrides,
  };
}

describe('pdb-health detector: observe', () => {
  it('reads the budget and the pods it selects', async () => {
    const kube = new FakeKube().add(checkoutPdb(), checkoutPod('app-crash'), postgresPod(0, 'app-crash'));

    const observed = await pdbHealth.observe(pdbAlert(), kube);

    expect(observed.pdb?.metadata?.name).toBe('checkout');
    expect(observed.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['checkout-7d9f8b6c5d-x2k9p']);
  });
});

describe('pdb-health detector: diagnose', () => {
  it('says how far the budget is short, that drains are blocked, and why its pods are unhealthy', () => {
    const diagnosis = pdbHealth.diagnose(snapshot(), now);

    expect(diagnosis).toEqual({
      detector: 'pdb-health',
      anomaly: 'app-crash',
      target: {
        kind: 'PodDisruptionBudget',
        namespace: 'payments',
        name: 'checkout',
        uid: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
      },
      summary:
        'PodDisruptionBudget checkout is 1 healthy pod short, so evictions and drains of its pods are blocked — 2 pods are unhealthy: container app keeps exiting with code 1 (Error)',
      confidence: 0.7,
      evidence: [
        {
          source: 'pdb.status',
          message: '1 healthy of 3 expected pods; the budget needs 2 (disruptions allowed: 0)',
        },
        {
          source: 'pod.status',
          message:
            'container app is waiting: CrashLoopBackOff (back-off 5m0s restarting failed container=app pod=checkout-7d9f8b6c5d-x2k9p_payments)',
        },
        { source: 'pod.status', message: 'last termination: Error, exit code 1', at: '2026-11-26T02:13:04.000Z' },
        { source: 'pod.status', message: 'container app restarted 14 times' },
      ],
      facts: {},
    });
  });

  it('reports a budget short without a pod problem as pdb-short, and counts pods in the plural', () => {
    const diagnosis = pdbHealth.diagnose(
      snapshot({ pdb: checkoutPdb({ currentHealthy: 0, desiredHealthy: 2 }), pods: [] }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'pdb-short',
      summary: 'PodDisruptionBudget checkout is 2 healthy pods short, so evictions and drains of its pods are blocked',
      confidence: 0.5,
    });
  });

  it('says a budget whose selector matches nothing selects no pods', () => {
    const diagnosis = pdbHealth.diagnose(
      snapshot({ pdb: checkoutPdb({ currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }), pods: [] }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'pdb-selects-nothing',
      summary: 'PodDisruptionBudget checkout selects no pods: its selector matches nothing',
      confidence: 0.7,
    });
  });

  it('reports gone for a budget that no longer exists', () => {
    expect(pdbHealth.diagnose(snapshot({ pdb: null, pods: [] }), now)).toMatchObject({
      anomaly: 'gone',
      summary: 'PodDisruptionBudget payments/checkout no longer exists',
    });
  });
});

describe('pdb-health detector: audit', () => {
  function picked(objects: Parameters<typeof createListing>[0]) {
    return [...pdbHealth.audit!.snapshots(createListing(objects), now)];
  }

  it('skips a budget with enough healthy pods', () => {
    expect(picked({ PodDisruptionBudget: [checkoutPdb({ currentHealthy: 3, disruptionsAllowed: 1 })] })).toEqual([]);
  });

  it('picks a budget short of healthy pods, with the pods it selects', () => {
    const [picked1, ...rest] = picked({
      PodDisruptionBudget: [checkoutPdb()],
      Pod: [checkoutPod('app-crash'), postgresPod(0, 'app-crash')],
    });

    expect(rest).toEqual([]);
    expect(picked1?.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['checkout-7d9f8b6c5d-x2k9p']);
  });

  it('picks a budget that selects no pods', () => {
    const empty = checkoutPdb({ currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });

    expect(picked({ PodDisruptionBudget: [empty] }).map((s) => s.name)).toEqual(['checkout']);
  });
});
