import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Node, V1PersistentVolumeClaim } from '@kubernetes/client-node';

import { createSqliteFindingsStore } from '../../../lib/audit/findings-store.ts';
import { formatAuditMarkdown, formatAuditTable } from '../../../lib/audit/format.ts';
import { scanCluster } from '../../../lib/audit/scan.ts';
import { findingsStoreContract, sampleFinding } from '../../contracts/findings-store.contract.ts';
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

describe('cluster audit', () => {
  it('finds each unhealthy object once, through its workload, with the detectors’ diagnoses', async () => {
    const findings = await scanCluster(brokenCluster(), { now });

    expect(findings.map((finding) => [finding.key, finding.detector])).toEqual([
      ['Deployment/payments/checkout/app-crash', 'deployment-health'],
      ['Job/ops/backup/BackoffLimitExceeded', 'job-health'],
      ['Node//node-a/node-not-ready', 'node-health'],
      ['PersistentVolumeClaim/ops/scratch/pvc-pending', 'audit'],
      ['Pod/payments/debug-shell/bad-image', 'pod-not-ready'],
    ]);
  });

  it('keeps to the namespaces asked for', async () => {
    const findings = await scanCluster(brokenCluster(), { now, namespaces: ['ops'] });

    expect(findings.map((finding) => finding.key)).toEqual([
      'Job/ops/backup/BackoffLimitExceeded',
      'Node//node-a/node-not-ready',
      'PersistentVolumeClaim/ops/scratch/pvc-pending',
    ]);
  });

  it('reports progress through every kind it lists', async () => {
    const steps: string[] = [];

    await scanCluster(brokenCluster(), { now, onProgress: (step) => steps.push(step) });

    expect(steps.at(0)).toBe('Node');
    expect(steps.at(-1)).toBe('diagnose');
  });

  it('says which kinds had more objects than it reads', async () => {
    const cut: string[] = [];
    const whole: string[] = [];

    await scanCluster(brokenCluster(), { now, maxPerKind: 1, onTruncated: (kind, max) => cut.push(`${kind}:${max}`) });
    await scanCluster(brokenCluster(), { now, onTruncated: (kind) => whole.push(kind) });

    expect(cut).toContain('Pod:1');
    expect(whole).toEqual([]);
  });
});

findingsStoreContract('embedded store', async () => createSqliteFindingsStore(new DatabaseSync(':memory:')));

describe('audit report formats', () => {
  const finding = sampleFinding;

  it('prints a table and ticket-ready Markdown', async () => {
    const report = await createSqliteFindingsStore(new DatabaseSync(':memory:')).record('prod', [finding('x_1')], now);

    expect(formatAuditTable(report).split('\n').slice(0, 3)).toEqual([
      'audit of prod at 2026-11-26T02:20:00.000Z: 1 new, 0 still open, 0 resolved',
      'STATUS  OBJECT      ANOMALY  SUMMARY',
      'NEW     pod/ns/x_1  a        problem x_1',
    ]);
    expect(formatAuditMarkdown(report)).toContain('- **pod/ns/x_1** — `a`: problem x\\_1');
  });
});

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
