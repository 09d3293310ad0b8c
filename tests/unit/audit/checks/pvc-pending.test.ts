import { describe, expect, it } from '@jest/globals';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';

import { pvcPending } from '../../../../lib/audit/checks/pvc-pending.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { postgresPvc, warningEvent } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** A claim in `phase`, as the API server reports one no volume is bound to (Pending) or whose volume is gone (Lost). */
function claim(name: string, phase: 'Pending' | 'Lost' | 'Bound'): V1PersistentVolumeClaim {
  const pvc = postgresPvc();
  pvc.metadata = { name, namespace: 'data', uid: `9e8d7c6b-${name.slice(-4).padStart(4, '0')}-4a3b-8c2d-1e0f9a8b7c6d` };
  pvc.spec!.storageClassName = 'fast';
  if (phase !== 'Bound') {
    delete pvc.spec!.volumeName;
    pvc.status = { phase };
  }
  return pvc;
}

function provisioningFailed(name: string, message: string) {
  return warningEvent({ kind: 'PersistentVolumeClaim', name, namespace: 'data' }, 'ProvisioningFailed', message);
}

describe('pvcPending check', () => {
  it('reports a Pending claim with the provisioner’s error, and its events as evidence', async () => {
    const kube = new FakeKube();
    kube.events = [
      warningEvent(
        { kind: 'PersistentVolumeClaim', name: 'scratch', namespace: 'data' },
        'ExternalProvisioning',
        'Waiting for a volume to be created either by the external provisioner "ebs.csi.aws.com" or manually by the system administrator',
      ),
      provisioningFailed('scratch', 'storageclass.storage.k8s.io "fast" not found'),
    ];

    const findings = await pvcPending.check(createListing({ PersistentVolumeClaim: [claim('scratch', 'Pending')] }), {
      kube,
      now,
    });

    expect(findings).toEqual([
      {
        key: 'PersistentVolumeClaim/data/scratch/pvc-pending',
        detector: 'audit',
        kind: 'PersistentVolumeClaim',
        namespace: 'data',
        name: 'scratch',
        anomaly: 'pvc-pending',
        summary: 'PVC scratch is Pending (storage class fast): storageclass.storage.k8s.io "fast" not found',
        confidence: 0.7,
        evidence: [
          { source: 'pvc.status', message: 'phase Pending, requested 100Gi' },
          {
            source: 'event',
            message:
              'ExternalProvisioning: Waiting for a volume to be created either by the external provisioner "ebs.csi.aws.com" or manually by the system administrator',
            at: '2026-11-26T02:14:00.000Z',
          },
          {
            source: 'event',
            message: 'ProvisioningFailed: storageclass.storage.k8s.io "fast" not found',
            at: '2026-11-26T02:14:00.000Z',
          },
        ],
      },
    ]);
  });

  it('says no volume is bound when the provisioner says nothing, and reports Lost claims too', async () => {
    const listing = createListing({ PersistentVolumeClaim: [claim('scratch', 'Pending'), claim('archive', 'Lost')] });

    const findings = await pvcPending.check(listing, { kube: new FakeKube(), now });

    expect(findings.map((finding) => [finding.anomaly, finding.summary])).toEqual([
      ['pvc-pending', 'PVC scratch is Pending (storage class fast): no volume is bound to it'],
      ['pvc-lost', 'PVC archive is Lost (storage class fast): no volume is bound to it'],
    ]);
  });

  it('skips bound claims', async () => {
    const listing = createListing({ PersistentVolumeClaim: [postgresPvc()] });

    expect(await pvcPending.check(listing, { kube: new FakeKube(), now })).toEqual([]);
  });

  it('reads the events of the first 20 pending claims only, and still reports the rest', async () => {
    const claims = Array.from({ length: 22 }, (_, index) =>
      claim(`scratch-${String(index).padStart(2, '0')}`, 'Pending'),
    );
    const kube = new FakeKube();
    kube.events = claims.map((pvc) => provisioningFailed(pvc.metadata!.name!, 'no capacity in eu-west-1a'));

    const findings = await pvcPending.check(createListing({ PersistentVolumeClaim: claims }), { kube, now });

    expect(findings).toHaveLength(22);
    expect(findings.filter((finding) => finding.summary.endsWith('no capacity in eu-west-1a'))).toHaveLength(20);
    expect(findings.slice(20).map((finding) => finding.summary)).toEqual([
      'PVC scratch-20 is Pending (storage class fast): no volume is bound to it',
      'PVC scratch-21 is Pending (storage class fast): no volume is bound to it',
    ]);
  });

  it('declares that it reads events, for the audit’s RBAC', () => {
    expect(pvcPending.reads).toEqual([{ apiGroup: '', resource: 'events', verbs: ['list'] }]);
  });
});
