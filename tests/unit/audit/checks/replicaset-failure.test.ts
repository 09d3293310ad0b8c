import { describe, expect, it } from '@jest/globals';
import type { V1ReplicaSet } from '@kubernetes/client-node';

import { checkReplicaSet, replicaSetFailure } from '../../../../lib/audit/checks/replicaset-failure.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { checkoutReplicaSets } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const QUOTA =
  'pods "legacy-worker-9xq2w" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=20, limited: pods=20';

/** A ReplicaSet nobody controls (created directly), that cannot create its pods. */
function bareFailing(): V1ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'legacy-worker',
      namespace: 'team-a',
      uid: 'f0e1d2c3-b4a5-4968-8776-655443322110',
      generation: 1,
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'legacy-worker' } },
      template: {
        metadata: { labels: { app: 'legacy-worker' } },
        spec: { containers: [{ name: 'worker', image: 'registry.example/worker:0.9' }] },
      },
    },
    status: {
      replicas: 0,
      observedGeneration: 1,
      conditions: [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: QUOTA,
          lastTransitionTime: new Date('2026-11-26T02:01:00Z'),
        },
      ],
    },
  };
}

describe('checkReplicaSet', () => {
  it('reports a ReplicaSet outside a Deployment that cannot create pods, with the reason', () => {
    expect(checkReplicaSet(bareFailing())).toEqual([
      {
        key: 'ReplicaSet/team-a/legacy-worker/replica-failure',
        detector: 'audit',
        kind: 'ReplicaSet',
        namespace: 'team-a',
        name: 'legacy-worker',
        anomaly: 'replica-failure',
        summary: `replicaset legacy-worker cannot create pods: ${QUOTA}`,
        confidence: 0.8,
        evidence: [{ source: 'replicaset', message: `ReplicaFailure=True (FailedCreate): ${QUOTA}` }],
      },
    ]);
  });

  it('leaves a Deployment’s ReplicaSet to the Deployment’s detector', () => {
    const [, owned] = checkoutReplicaSets();
    owned.status!.conditions = bareFailing().status!.conditions;

    expect(checkReplicaSet(owned)).toEqual([]);
  });

  it('finds nothing wrong once the failure condition has cleared', () => {
    const recovered = bareFailing();
    recovered.status!.conditions![0]!.status = 'False';

    expect(checkReplicaSet(recovered)).toEqual([]);
  });
});

describe('replicaSetFailure check', () => {
  it('checks every listed ReplicaSet', async () => {
    const listing = createListing({ ReplicaSet: [...checkoutReplicaSets(), bareFailing()] });

    const findings = await replicaSetFailure.check(listing, { kube: new FakeKube(), now });

    expect(findings.map((finding) => finding.name)).toEqual(['legacy-worker']);
  });
});
