import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Node, V1PersistentVolumeClaim } from '@kubernetes/client-node';

import { createSqliteFindingsStore } from '../../../lib/audit/findings-store.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { silentLogger, testConfig } from '../../helpers/support.ts';
import { auditAllClusters } from '../../../lib/lambda/audit.ts';
import { ClusterUnreachableError } from '../../../lib/errors.ts';
import { crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function brokenCluster(): FakeKube {
  const rs = replicaSet();
  rs.metadata!.labels = { app: 'checkout', 'pod-template-hash': '7d9f8b6c5d' };
  rs.metadata!.ownerReferences![0]!.uid = deployment().metadata!.uid!;
  const pod = crashingPod();
  pod.metadata!.labels = { app: 'checkout', 'pod-template-hash': '7d9f8b6c5d' };
  const bare = crashingPod({ owner: null });
  bare.metadata!.name = 'debug-shell';
  bare.status!.containerStatuses![0]!.state = { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } };
  const node: V1Node = {
    kind: 'Node',
    metadata: { name: 'node-a' },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: 'PLEG is not healthy',
          lastTransitionTime: new Date('2026-11-26T02:00:00Z'),
        },
      ],
    },
  };
  const healthyNode: V1Node = {
    kind: 'Node',
    metadata: { name: 'node-b' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const job: V1Job = {
    kind: 'Job',
    metadata: { name: 'backup', namespace: 'ops', uid: 'j' },
    spec: { backoffLimit: 0, template: { spec: { containers: [] } } },
    status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
  };
  const pvc: V1PersistentVolumeClaim = {
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'scratch', namespace: 'ops' },
    spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } },
    status: { phase: 'Pending' },
  };
  return new FakeKube().add(deployment(), rs, pod, bare, node, healthyNode, job, pvc);
}

describe('scheduled audit', () => {
  it('audits every registered cluster, keeps going past a failing one, and then fails', async () => {
    const store = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    const healthy = brokenCluster();
    const config = testConfig({
      clusters: [
        { name: 'prod', kubeconfig: { context: 'prod' } },
        { name: 'broken', kubeconfig: { context: 'broken' } },
      ],
      rules: [],
    });
    const kube = async (name: string | undefined) => {
      if (name === 'broken') throw new ClusterUnreachableError('cannot reach https://broken.example (ECONNREFUSED)');
      return healthy;
    };

    const attempt = auditAllClusters({ config, kube, store, logger: silentLogger, clock: () => now });

    await expect(attempt).rejects.toThrow(
      'audit failed for 1 cluster(s): broken: cannot reach https://broken.example (ECONNREFUSED)',
    );
    const again = await store.record('fake', [], now);
    expect(again.resolved.length).toBe(5);
  });
});
