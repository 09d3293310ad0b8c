import { describe, expect, it } from '@jest/globals';

import { pvcFilling, type PvcSnapshot } from '../../../lib/detect/pvc-filling.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, postgresPvc, storageClass } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const alert = alertFixture('pvc-filling.json');
const DESCRIPTION =
  'The PersistentVolume claimed by data-postgres-0 in Namespace data on Cluster prod-eu-west-1 is only 2.31% free.';

function snapshot(overrides: Partial<PvcSnapshot> = {}): PvcSnapshot {
  return {
    namespace: 'data',
    name: 'data-postgres-0',
    description: DESCRIPTION,
    pvc: postgresPvc(),
    storageClass: storageClass('gp3', true),
    ...overrides,
  };
}

describe('pvc-filling detector: observe', () => {
  it('reads the claim and its storage class, and copies the alert’s description', async () => {
    const kube = new FakeKube().add(postgresPvc(), storageClass('gp3', true), storageClass('io2', false));

    const observed = await pvcFilling.observe(alert, kube);

    expect(observed).toMatchObject({ namespace: 'data', name: 'data-postgres-0', description: DESCRIPTION });
    expect(observed.pvc?.metadata?.uid).toBe('2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d');
    expect(observed.storageClass?.metadata?.name).toBe('gp3');
  });

  it('reads no storage class for a claim that names none', async () => {
    const pvc = postgresPvc();
    delete pvc.spec!.storageClassName;

    const observed = await pvcFilling.observe(alert, new FakeKube().add(pvc, storageClass()));

    expect(observed.storageClass).toBeNull();
  });
});

describe('pvc-filling detector: diagnose', () => {
  it('tells a volume out of inodes from one out of space, from the alert that fired', async () => {
    const kube = new FakeKube().add(postgresPvc(), storageClass('gp3', true));
    const inodesAlert = { ...alert, labels: { ...alert.labels, alertname: 'KubePersistentVolumeInodesFillingUp' } };

    const observed = await pvcFilling.observe(inodesAlert, kube);
    const diagnosis = pvcFilling.diagnose(observed, now);

    expect(observed.inodes).toBe(true);
    expect(diagnosis).toMatchObject({
      anomaly: 'inodes-filling',
      summary: expect.stringMatching(/^volume data-postgres-0 \(100Gi\) is running out of inodes \(too many files\)/),
    });
    expect(diagnosis.summary).not.toMatch(/is filling up/);
    expect(pvcFilling.diagnose({ ...observed, storageClass: storageClass('io2', false) }, now).summary).toMatch(
      /does not allow expansion, so migrate/,
    );
  });

  it('says the volume can grow in place when its storage class allows expansion, with what a fix would grow', () => {
    const diagnosis = pvcFilling.diagnose(snapshot(), now);

    expect(diagnosis).toMatchObject({
      detector: 'pvc-filling',
      anomaly: 'volume-filling',
      target: { kind: 'PersistentVolumeClaim', namespace: 'data', name: 'data-postgres-0' },
      summary: 'volume data-postgres-0 (100Gi) is filling up; its storage class allows expanding it in place',
      confidence: 0.8,
    });
    expect(diagnosis.evidence).toEqual([
      { source: 'pvc', message: 'capacity 100Gi, storage class gp3, phase Bound' },
      { source: 'alert', message: DESCRIPTION },
      { source: 'storageclass', message: 'storage class gp3 (ebs.csi.aws.com) allows volume expansion' },
    ]);
    expect(diagnosis.facts).toEqual({
      volume: {
        namespace: 'data',
        name: 'data-postgres-0',
        uid: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
        requested: '100Gi',
        capacity: '100Gi',
        storageClass: 'gp3',
        expandable: true,
      },
    });
  });

  it('says to free space or migrate when the storage class does not allow expansion', () => {
    const diagnosis = pvcFilling.diagnose(snapshot({ storageClass: storageClass('gp3', false) }), now);

    expect(diagnosis.summary).toBe(
      'volume data-postgres-0 (100Gi) is filling up and its storage class does not allow expansion: free space or migrate the data to a larger volume',
    );
    expect(diagnosis.facts.volume?.expandable).toBe(false);
  });

  it('counts a storage class it cannot find as not expandable, and says so', () => {
    const diagnosis = pvcFilling.diagnose(snapshot({ storageClass: null, description: undefined }), now);

    expect(diagnosis.facts.volume?.expandable).toBe(false);
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'capacity 100Gi, storage class gp3, phase Bound',
      'storage class gp3 not found',
    ]);
  });

  it('reports the request as the size while a resize has not reached the capacity', () => {
    const pvc = postgresPvc();
    pvc.spec!.resources!.requests!.storage = '150Gi';

    expect(pvcFilling.diagnose(snapshot({ pvc }), now).facts.volume).toMatchObject({
      requested: '150Gi',
      capacity: '100Gi',
    });
  });

  it('reports gone for a claim that no longer exists', () => {
    expect(pvcFilling.diagnose(snapshot({ pvc: null, storageClass: null }), now)).toMatchObject({
      anomaly: 'gone',
      summary: 'PVC data/data-postgres-0 no longer exists',
      facts: {},
    });
  });
});
