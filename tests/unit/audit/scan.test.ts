import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject, V1Deployment, V1PersistentVolumeClaim, V1ReplicaSet } from '@kubernetes/client-node';

import type { AuditCheck } from '../../../lib/audit/checks/check.ts';
import { pvcPending } from '../../../lib/audit/checks/pvc-pending.ts';
import {
  AUDIT_UNITS,
  auditKinds,
  auditReads,
  PAGE_SIZE,
  scanCluster,
  STREAM_ORDER,
  type AuditUnits,
} from '../../../lib/audit/scan.ts';
import type { AnyDetector } from '../../../lib/detect/detector.ts';
import { deploymentHealth } from '../../../lib/detect/deployment-health.ts';
import { hpaHealth } from '../../../lib/detect/hpa-health.ts';
import { nodeHealth } from '../../../lib/detect/node-health.ts';
import { KINDS, type Kind } from '../../../lib/kube/kinds.ts';
import { keepAll } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  checkoutPdb,
  checkoutPod,
  checkoutReplicaSets,
  computeQuota,
  deployment,
  nightlyJob,
  nightlyJobPod,
  node,
  NODE_NAME,
  nodeExporterDaemonSet,
  nodeExporterPod,
  podIn,
  postgresPod,
  postgresPvc,
  postgresStatefulSet,
  storageClass,
  storefrontHpa,
  warningEvent,
} from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const HEALTHY_NODE = 'ip-10-0-1-22.eu-west-1.compute.internal';

/** A claim in reporting that no volume is provisioned for. */
function pendingClaim(): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'scratch', namespace: 'reporting', uid: '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } },
    status: { phase: 'Pending' },
  };
}

/**
 * A cluster with one problem of each sort the audit reports: a Deployment whose pods crash, a
 * failed Job (whose pods it reports through the Job), a NotReady node, a pending claim and a bare
 * pod with a bad image — and healthy objects it must not report.
 */
function brokenCluster(): FakeKube {
  const bare = podIn('bad-image', {
    name: 'debug-shell',
    namespace: 'payments',
    uid: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
    labels: { run: 'debug-shell' },
    owner: null,
    image: 'registry.example/toolbox:2024.11',
  });
  return new FakeKube().add(
    deployment(),
    ...checkoutReplicaSets(),
    checkoutPod('app-crash'),
    bare,
    nightlyJob('backoff-limit'),
    nightlyJobPod('error', '7xk2p'),
    node('not-ready'),
    node('ready', { name: HEALTHY_NODE }),
    nodeExporterDaemonSet(),
    pendingClaim(),
  );
}

describe('scanCluster', () => {
  it('finds each unhealthy object once, through its workload, with the detectors’ and checks’ findings, by key', async () => {
    const findings = await scanCluster(brokenCluster(), { now });

    expect(findings.map((finding) => [finding.key, finding.detector])).toEqual([
      // The crashing and the bare pod run on the NotReady node, which is what makes them unready.
      ['Deployment/payments/checkout/node-not-ready', 'deployment-health'],
      ['Job/reporting/nightly-report-29384756/BackoffLimitExceeded', 'job-health'],
      [`Node//${NODE_NAME}/node-not-ready`, 'node-health'],
      ['PersistentVolumeClaim/reporting/scratch/pvc-pending', 'audit'],
      ['Pod/payments/debug-shell/node-not-ready', 'pod-not-ready'],
    ]);
  });

  it('makes a finding of a detector’s diagnosis: its target, anomaly, summary, confidence and evidence', async () => {
    const findings = await scanCluster(brokenCluster(), { now });

    expect(findings.find((finding) => finding.kind === 'Node')).toEqual({
      key: `Node//${NODE_NAME}/node-not-ready`,
      detector: 'node-health',
      kind: 'Node',
      namespace: undefined,
      name: NODE_NAME,
      anomaly: 'node-not-ready',
      summary: `node ${NODE_NAME} reports NotReady for 20 min: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized`,
      confidence: 0.8,
      evidence: [
        {
          source: 'node.status',
          message:
            'Ready=False (KubeletNotReady): container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized; last heartbeat 1 min ago',
          at: '2026-11-26T02:19:30.000Z',
        },
        { source: 'node.spec', message: 'taints: node.kubernetes.io/not-ready:NoSchedule' },
        { source: 'pods', message: '3 pods on the node, 3 not from DaemonSets' },
      ],
    });
  });

  it('lets checks read through the cluster it scans (the provisioner’s error of a pending claim)', async () => {
    const kube = brokenCluster();
    kube.events = [
      warningEvent(
        { kind: 'PersistentVolumeClaim', name: 'scratch', namespace: 'reporting' },
        'ProvisioningFailed',
        'storageclass.storage.k8s.io "fast" not found',
      ),
    ];

    const findings = await scanCluster(kube, { now });

    expect(findings.find((finding) => finding.kind === 'PersistentVolumeClaim')?.summary).toBe(
      'PVC scratch is Pending (storage class fast): storageclass.storage.k8s.io "fast" not found',
    );
  });

  it('keeps to the namespaces asked for, and still reads cluster-scoped objects', async () => {
    const findings = await scanCluster(brokenCluster(), { now, namespaces: ['reporting'] });

    expect(findings.map((finding) => finding.key)).toEqual([
      'Job/reporting/nightly-report-29384756/BackoffLimitExceeded',
      `Node//${NODE_NAME}/node-not-ready`,
      'PersistentVolumeClaim/reporting/scratch/pvc-pending',
    ]);
  });

  it('reads every namespace when the list of namespaces is empty', async () => {
    expect(await scanCluster(brokenCluster(), { now, namespaces: [] })).toHaveLength(5);
  });

  it('reports an evicted pod of a healthy Deployment on its own, since it lingers after its replacement runs', async () => {
    const healthy = deployment();
    healthy.status = { ...healthy.status, readyReplicas: 3, availableReplicas: 3 };
    const kube = new FakeKube().add(
      healthy,
      ...checkoutReplicaSets(),
      checkoutPod('healthy'),
      checkoutPod('evicted', 'checkout-7d9f8b6c5d-m4v7z'),
    );

    const findings = await scanCluster(kube, { now });

    expect(findings.map((finding) => [finding.key, finding.detector])).toEqual([
      ['Pod/payments/checkout-7d9f8b6c5d-m4v7z/evicted', 'pod-not-ready'],
    ]);
  });

  it('leaves out diagnoses that say nothing is wrong unless the detector is sure', async () => {
    const converging = deployment();
    converging.status!.availableReplicas = 2;
    const kube = new FakeKube().add(converging, ...checkoutReplicaSets(), checkoutPod('healthy'));

    expect(await scanCluster(kube, { now })).toEqual([]);
  });

  it('reports a stuck rollout even though its pods report no problem', async () => {
    const stuck = deployment({ progressing: 'ProgressDeadlineExceeded' });
    const kube = new FakeKube().add(stuck, ...checkoutReplicaSets(), checkoutPod('healthy'));

    expect((await scanCluster(kube, { now })).map((finding) => finding.anomaly)).toEqual(['rollout-stuck']);
  });

  it('finds nothing in a healthy cluster', async () => {
    const kube = new FakeKube().add(
      node('ready'),
      nodeExporterDaemonSet(),
      podIn('healthy', {
        name: 'debug-shell',
        namespace: 'payments',
        uid: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
        labels: { run: 'debug-shell' },
        owner: null,
      }),
    );

    expect(await scanCluster(kube, { now })).toEqual([]);
  });

  it('reports progress through every kind it lists, in the order it streams them, then the diagnosis', async () => {
    const steps: [string, number, number][] = [];

    await scanCluster(brokenCluster(), { now, onProgress: (step, done, total) => steps.push([step, done, total]) });

    expect(steps).toEqual([
      ['StorageClass', 0, 14],
      ['Node', 1, 14],
      ['HorizontalPodAutoscaler', 2, 14],
      ['ResourceQuota', 3, 14],
      ['PodDisruptionBudget', 4, 14],
      ['CronJob', 5, 14],
      ['Job', 6, 14],
      ['StatefulSet', 7, 14],
      ['DaemonSet', 8, 14],
      ['Deployment', 9, 14],
      ['ReplicaSet', 10, 14],
      ['Service', 11, 14],
      ['PersistentVolumeClaim', 12, 14],
      ['Pod', 13, 14],
      ['diagnose', 14, 14],
    ]);
  });

  it('says which kinds had more objects than it reads, and none when it read them all', async () => {
    const cut: string[] = [];
    const whole: string[] = [];

    await scanCluster(brokenCluster(), { now, maxPerKind: 2, onTruncated: (kind, max) => cut.push(`${kind}:${max}`) });
    await scanCluster(brokenCluster(), { now, onTruncated: (kind) => whole.push(kind) });

    expect(cut).toEqual(['Node:2', 'ReplicaSet:2', 'Pod:2']);
    expect(whole).toEqual([]);
  });

  it('runs only the units it is given, and lists only the kinds they need', async () => {
    const steps: string[] = [];
    const units: AuditUnits = { detectors: [nodeHealth], checks: [] };

    const findings = await scanCluster(brokenCluster(), { now, units, onProgress: (step) => steps.push(step) });

    expect(findings.map((finding) => finding.key)).toEqual([`Node//${NODE_NAME}/node-not-ready`]);
    expect(steps).toEqual(['Node', 'Pod', 'diagnose']);
  });

  it('skips detectors that have no audit', async () => {
    const alertOnly: AnyDetector = { ...nodeHealth, name: 'alert-only', audit: undefined };

    expect(await scanCluster(brokenCluster(), { now, units: { detectors: [alertOnly], checks: [] } })).toEqual([]);
  });
});

/**
 * The broken cluster with a problem of every other sort too (a StatefulSet short of ready pods,
 * an HPA at its ceiling targeting nothing, a budget with no healthy pods, a full quota, a
 * DaemonSet short on a node), and `healthy` healthy pods of a healthy workload beside them, some
 * on the NotReady node.
 */
function mixedCluster(healthy: number): FakeKube {
  const cluster = brokenCluster().add(
    storageClass('gp3'),
    postgresStatefulSet({ readyReplicas: 2 }),
    postgresPod(0, 'healthy'),
    postgresPod(1, 'healthy'),
    postgresPod(2, 'app-crash'),
    postgresPvc(),
    storefrontHpa('maxed-out'),
    checkoutPdb({ currentHealthy: 0, desiredHealthy: 2, expectedPods: 3 }),
    computeQuota({ pods: '20' }),
    nodeExporterPod(NODE_NAME, 'healthy'),
    nodeExporterPod(HEALTHY_NODE, 'app-crash'),
    // postgres's governing Service exists; a healthy StatefulSet beside it names one that does not.
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres', namespace: 'data' } },
    cacheStatefulSet(),
    ...expressionDeployment(),
  );
  for (let index = 0; index < healthy; index += 1) {
    cluster.add(
      podIn('healthy', {
        name: `web-5f6d7c8b9a-${index}`,
        namespace: 'web',
        uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        labels: { app: 'web', 'pod-template-hash': '5f6d7c8b9a' },
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5f6d7c8b9a', uid: 'web-rs' },
        nodeName: index % 10 === 0 ? NODE_NAME : HEALTHY_NODE,
      }),
    );
  }
  return cluster;
}

/**
 * Deployment shop/web selecting its pods by matchExpressions alone (no matchLabels), with none
 * available: its ReplicaSet and two crash-looping pods.
 */
function expressionDeployment(): KubernetesObject[] {
  const uid = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
  const rsUid = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e';
  const base = deployment();
  const web: V1Deployment = {
    ...base,
    metadata: {
      ...base.metadata,
      name: 'web',
      namespace: 'shop',
      uid,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      ...base.spec!,
      replicas: 2,
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      template: { ...base.spec!.template, metadata: { labels: { app: 'web' } } },
    },
    status: { ...base.status, replicas: 2, readyReplicas: 0, availableReplicas: 0 },
  };
  const rs: V1ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-6c7d8e9f0a',
      namespace: 'shop',
      uid: rsUid,
      labels: { app: 'web', 'pod-template-hash': '6c7d8e9f0a' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid, controller: true }],
    },
    spec: { replicas: 2, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } },
    status: { replicas: 2, readyReplicas: 0 },
  };
  const pods = ['x1', 'x2'].map((suffix) =>
    podIn('app-crash', {
      name: `web-6c7d8e9f0a-${suffix}`,
      namespace: 'shop',
      uid: `9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e${suffix === 'x1' ? '01' : '02'}`,
      labels: { app: 'web', 'pod-template-hash': '6c7d8e9f0a' },
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata!.name!, uid: rsUid },
      nodeName: HEALTHY_NODE,
    }),
  );
  return [web, rs, ...pods];
}

/** StatefulSet data/cache, all ready, naming a governing Service (cache-headless) that does not exist. */
function cacheStatefulSet() {
  const sts = postgresStatefulSet();
  return {
    ...sts,
    metadata: { ...sts.metadata, name: 'cache', uid: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b' },
    spec: { ...sts.spec!, serviceName: 'cache-headless', selector: { matchLabels: { app: 'cache' } } },
  };
}

/** The registered units keeping every object they list: what an audit found before it streamed. */
const keepingEverything: AuditUnits = {
  detectors: AUDIT_UNITS.detectors.map((detector) =>
    detector.audit === undefined
      ? detector
      : { ...detector, audit: { ...detector.audit, keeps: () => keepAll(...detector.audit!.lists) } },
  ),
  checks: AUDIT_UNITS.checks.map((check) => ({ ...check, keeps: () => keepAll(...check.lists) })),
};

describe('scanCluster, streaming', () => {
  it('finds what an audit keeping every object finds, keeping only what it judges', async () => {
    const kept: Record<string, [number, number]> = {};

    const streamed = await scanCluster(mixedCluster(300), {
      now,
      onListed: (kind, read, held) => (kept[kind] = [read, held]),
    });
    const whole = await scanCluster(mixedCluster(300), { now, units: keepingEverything });

    expect(streamed).toEqual(whole);
    expect(streamed.map((finding) => finding.key)).toEqual([
      'DaemonSet/monitoring/node-exporter/app-crash',
      'Deployment/payments/checkout/node-not-ready',
      'Deployment/shop/web/app-crash',
      'HorizontalPodAutoscaler/web/storefront/hpa-maxed-out',
      'HorizontalPodAutoscaler/web/storefront/hpa-missing-target',
      'Job/reporting/nightly-report-29384756/BackoffLimitExceeded',
      `Node//${NODE_NAME}/node-not-ready`,
      'PersistentVolumeClaim/reporting/scratch/pvc-pending',
      'Pod/payments/debug-shell/node-not-ready',
      'PodDisruptionBudget/payments/checkout/node-not-ready',
      'ResourceQuota/team-a/compute/quota-exhausted',
      'StatefulSet/data/cache/missing-governing-service',
      'StatefulSet/data/postgres/node-not-ready',
    ]);
    // Of 300 healthy pods, only the 30 on the NotReady node are kept (its finding names them).
    const [podsRead, podsKept] = kept.Pod!;
    expect(podsRead).toBe(300 + 10);
    expect(podsKept).toBeLessThanOrEqual(30 + 10);
    expect(podsKept).toBeGreaterThanOrEqual(30);
  });

  it('finds within the namespaces asked for what an audit keeping every object finds there', async () => {
    const options = { now, namespaces: ['payments', 'data', 'shop'] };

    const streamed = await scanCluster(mixedCluster(50), options);

    expect(streamed).toEqual(await scanCluster(mixedCluster(50), { ...options, units: keepingEverything }));
    expect(new Set(streamed.map((finding) => finding.namespace ?? ''))).toEqual(
      new Set(['payments', 'data', 'shop', '']),
    );
  });

  it('reads each kind page by page', async () => {
    const kube = mixedCluster(1_200);

    await scanCluster(kube, { now });

    // 1,210 pods in pages of PAGE_SIZE, and a page for each of the 12 other kinds that have objects.
    expect(kube.pagesServed).toBe(Math.ceil(1_210 / PAGE_SIZE) + 12);
  });

  it('streams every kind the table knows, each once', () => {
    expect([...STREAM_ORDER].sort()).toEqual(Object.keys(KINDS).sort());
  });

  it('has every registered unit say, for each kind it lists, what of it to keep', () => {
    const listing = { of: () => [], podsMatching: () => [] };
    const units = [
      ...AUDIT_UNITS.detectors.flatMap((detector) =>
        detector.audit === undefined ? [] : [{ name: detector.name, ...detector.audit }],
      ),
      ...AUDIT_UNITS.checks,
    ];
    const missing = units.flatMap((unit) =>
      unit.lists.filter((kind: Kind) => unit.keeps(listing)[kind] === undefined).map((kind) => `${unit.name}: ${kind}`),
    );

    expect(missing).toEqual([]);
  });
});

describe('auditKinds', () => {
  it('lists every kind the registered units need, once, in the kind table’s order', () => {
    expect(auditKinds()).toEqual([
      'Pod',
      'Node',
      'PersistentVolumeClaim',
      'ResourceQuota',
      'Service',
      'ReplicaSet',
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'Job',
      'CronJob',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'StorageClass',
    ]);
  });

  it('drops a kind when the only unit that needs it is removed', () => {
    const units: AuditUnits = {
      detectors: AUDIT_UNITS.detectors,
      checks: AUDIT_UNITS.checks.filter((check) => check !== pvcPending),
    };

    expect(auditKinds(units)).not.toContain('PersistentVolumeClaim');
    expect(auditKinds(units)).toContain('Pod');
  });

  it('keeps a kind as long as one unit still needs it', () => {
    const units: AuditUnits = {
      detectors: AUDIT_UNITS.detectors.filter((detector) => detector !== hpaHealth),
      checks: AUDIT_UNITS.checks,
    };

    expect(auditKinds(units)).toContain('HorizontalPodAutoscaler');
  });
});

describe('auditReads', () => {
  it('lists each kind the units need in its API group, and what checks read besides', () => {
    const lister: AnyDetector = {
      ...deploymentHealth,
      audit: { lists: ['Deployment', 'Pod'], keeps: () => ({}), snapshots: () => [] },
    };
    const check: AuditCheck = {
      name: 'pending-claims',
      description: 'Claims without a volume.',
      lists: ['PersistentVolumeClaim', 'StorageClass', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
      reads: [{ apiGroup: '', resource: 'events', verbs: ['list'] }],
      keeps: () => ({}),
      check: () => [],
    };

    expect(auditReads({ detectors: [lister], checks: [check] })).toEqual([
      { apiGroup: '', resource: 'pods', verbs: ['list'] },
      { apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['list'] },
      { apiGroup: 'apps', resource: 'deployments', verbs: ['list'] },
      { apiGroup: 'batch', resource: 'jobs', verbs: ['list'] },
      { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verbs: ['list'] },
      { apiGroup: 'policy', resource: 'poddisruptionbudgets', verbs: ['list'] },
      { apiGroup: 'storage.k8s.io', resource: 'storageclasses', verbs: ['list'] },
      { apiGroup: '', resource: 'events', verbs: ['list'] },
    ]);
  });

  it('includes what the registered checks read besides listing (pending claims’ events)', () => {
    expect(auditReads()).toContainEqual({ apiGroup: '', resource: 'events', verbs: ['list'] });
  });

  it('drops what a removed unit read', () => {
    const withoutPvcPending: AuditUnits = {
      detectors: AUDIT_UNITS.detectors,
      checks: AUDIT_UNITS.checks.filter((check) => check !== pvcPending),
    };

    expect(auditReads(withoutPvcPending).map((read) => read.resource)).not.toEqual(expect.arrayContaining(['events']));
    expect(auditReads(withoutPvcPending).map((read) => read.resource)).not.toContain('persistentvolumeclaims');
  });

  it('reads nothing for no units', () => {
    expect(auditReads({ detectors: [], checks: [] })).toEqual([]);
  });
});
