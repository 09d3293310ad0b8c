import { describe, expect, it } from '@jest/globals';

import { checkStatefulSetStorage, statefulSetStorage } from '../../../../lib/audit/checks/statefulset-storage.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { postgresStatefulSet, storageClass } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** postgres claiming its data volume of `className`. */
function claiming(className: string | undefined) {
  const sts = postgresStatefulSet();
  sts.spec!.volumeClaimTemplates![0]!.spec!.storageClassName = className;
  return sts;
}

describe('checkStatefulSetStorage', () => {
  it('reports a StatefulSet claiming volumes of a storage class that does not exist', () => {
    expect(checkStatefulSetStorage(claiming('premium'), [storageClass('gp3')])).toEqual([
      {
        key: 'StatefulSet/data/postgres/missing-storage-class',
        detector: 'audit',
        kind: 'StatefulSet',
        namespace: 'data',
        name: 'postgres',
        anomaly: 'missing-storage-class',
        summary:
          'statefulset postgres claims volumes of storage class premium, which does not exist: its pods cannot start',
        confidence: 0.8,
        evidence: [{ source: 'statefulset', message: 'volumeClaimTemplates storageClassName: premium' }],
      },
    ]);
  });

  it('finds nothing wrong with a class that exists, or with the default class', () => {
    expect(checkStatefulSetStorage(claiming('gp3'), [storageClass('gp3')])).toEqual([]);
    expect(checkStatefulSetStorage(claiming(undefined), [])).toEqual([]);
    expect(checkStatefulSetStorage(claiming(''), [])).toEqual([]);
  });

  it('reports each missing class of a StatefulSet with several claim templates', () => {
    const sts = claiming('gp3');
    sts.spec!.volumeClaimTemplates!.push(
      { metadata: { name: 'wal' }, spec: { storageClassName: 'io2', resources: { requests: { storage: '20Gi' } } } },
      {
        metadata: { name: 'backup' },
        spec: { storageClassName: 'sc1', resources: { requests: { storage: '500Gi' } } },
      },
    );

    expect(checkStatefulSetStorage(sts, [storageClass('gp3')]).map((finding) => finding.summary)).toEqual([
      'statefulset postgres claims volumes of storage class io2, which does not exist: its pods cannot start',
      'statefulset postgres claims volumes of storage class sc1, which does not exist: its pods cannot start',
    ]);
  });
});

describe('statefulSetStorage check', () => {
  it('checks every listed StatefulSet against the listed storage classes', async () => {
    const listing = createListing({ StatefulSet: [claiming('premium')], StorageClass: [storageClass('premium')] });

    expect(await statefulSetStorage.check(listing, { kube: new FakeKube(), now })).toEqual([]);
  });
});
