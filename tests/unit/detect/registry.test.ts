import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import type { CrashLoopSnapshot } from '../../../lib/detect/crash-loop.ts';
import type { DaemonSetSnapshot } from '../../../lib/detect/daemonset-health.ts';
import type { DeploymentSnapshot } from '../../../lib/detect/deployment-health.ts';
import type { AnyDetector } from '../../../lib/detect/detector.ts';
import type { HpaSnapshot } from '../../../lib/detect/hpa-health.ts';
import type { JobSnapshot } from '../../../lib/detect/job-health.ts';
import type { NodeSnapshot } from '../../../lib/detect/node-health.ts';
import type { PdbSnapshot } from '../../../lib/detect/pdb-health.ts';
import { POD_CAUSE_KINDS, POD_STATUS_CAUSE_KINDS } from '../../../lib/detect/pod-causes.ts';
import type { PodSnapshot } from '../../../lib/detect/pod-snapshot.ts';
import type { PvcSnapshot } from '../../../lib/detect/pvc-filling.ts';
import type { QuotaSnapshot } from '../../../lib/detect/quota-health.ts';
import { detectors, findDetector } from '../../../lib/detect/registry.ts';
import type { StatefulSetSnapshot } from '../../../lib/detect/statefulset-health.ts';
import type { ThrottlingSnapshot } from '../../../lib/detect/cpu-throttling.ts';
import { DiagnosisSchema } from '../../../lib/domain/types.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import {
  backOffEvent,
  checkoutPdb,
  checkoutPod,
  checkoutReplicaSets,
  computeQuota,
  crashingPod,
  deployment,
  nightlyJob,
  NIGHTLY_JOB_UID,
  nightlyJobPod,
  node,
  nodeFor,
  nodeExporterDaemonSet,
  nodeExporterPod,
  podIn,
  postgresPod,
  postgresPvc,
  postgresStatefulSet,
  replicaSet,
  storageClass,
  storefrontHpa,
  type PodState,
  warningEvent,
} from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const since = '2026-11-26T02:14:05.123Z';

/** One realistic snapshot per situation each detector tells apart: every anomaly it declares, and gone. */
type Scenarios = readonly (readonly [situation: string, snapshot: unknown])[];

const crashLoopScenarios = (): Scenarios => {
  const base: CrashLoopSnapshot = {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    container: 'app',
    pod: crashingPod(),
    replicaSet: replicaSet(),
    deployment: deployment(),
    events: [backOffEvent()],
  };
  const pending = checkoutPod('unschedulable');
  return [
    ['a crash of a rolled-out Deployment', base],
    ['an OOM kill', { ...base, pod: crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }) }],
    [
      'a crash during a rollout',
      { ...base, deployment: deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 }) },
    ],
    ['a crash under a StatefulSet', { ...base, pod: postgresPod(0, 'app-crash'), replicaSet: null, deployment: null }],
    ['a crash of a bare pod', { ...base, pod: crashingPod({ owner: null }), replicaSet: null, deployment: null }],
    ['a crash on a node that stopped reporting', { ...base, pod: checkoutPod('app-crash'), node: node('unreachable') }],
    ['a crash on a NotReady node', { ...base, pod: checkoutPod('app-crash'), node: node('not-ready') }],
    ['a recovered container', { ...base, pod: crashingPod({ running: true }) }],
    ['a deleted pod', { ...base, pod: null, replicaSet: null, deployment: null, events: [] }],
    ['a pod without container statuses', { ...base, pod: pending }],
  ];
};

const podProblemScenarios = (): Scenarios => {
  const [, latest] = checkoutReplicaSets();
  const of = (pod: V1Pod | null, overrides: Partial<PodSnapshot> = {}): PodSnapshot => ({
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    since,
    pod,
    events: [],
    replicaSet: latest,
    deployment: deployment(),
    replicaSets: checkoutReplicaSets(),
    ...overrides,
  });
  return [
    ...POD_CAUSE_KINDS.map(
      (cause) => [`${cause} after the latest rollout`, of(checkoutPod(cause), { node: nodeFor(cause) })] as const,
    ),
    ['a problem older than the latest rollout', of(checkoutPod('app-crash'), { since: '2026-11-26T01:00:00Z' })],
    [
      'a problem of a bare pod',
      of(checkoutPod('config-error'), { replicaSet: null, deployment: null, replicaSets: [] }),
    ],
    ['a recovered pod', of(checkoutPod('healthy'))],
    ['a deleted pod', of(null)],
  ];
};

const deploymentScenarios = (): Scenarios => {
  const of = (overrides: Partial<DeploymentSnapshot>): DeploymentSnapshot => ({
    namespace: 'payments',
    name: 'checkout',
    since,
    deployment: deployment(),
    replicaSets: checkoutReplicaSets(),
    pods: [],
    ...overrides,
  });
  const lagging = deployment();
  lagging.metadata!.generation = 8;
  const paused = deployment({ paused: true });
  paused.metadata!.generation = 8;
  const [previous, failing] = checkoutReplicaSets();
  failing.status!.conditions = [
    { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota: compute' },
  ];
  return [
    ...POD_CAUSE_KINDS.map(
      (cause) =>
        [`pods with ${cause}`, of({ pods: [{ pod: checkoutPod(cause), events: [], node: nodeFor(cause) }] })] as const,
    ),
    ['a generation the controller has not acted on', of({ deployment: lagging })],
    ['a paused Deployment', of({ deployment: paused })],
    ['a ReplicaSet that cannot create pods', of({ replicaSets: [previous, failing] })],
    [
      'a stuck rollout without pod problems',
      of({ deployment: deployment({ progressing: 'ProgressDeadlineExceeded' }) }),
    ],
    ['a shortfall without pod problems', of({})],
    ['a single revision', of({ replicaSets: [checkoutReplicaSets()[1]] })],
    ['a deleted Deployment', of({ deployment: null, replicaSets: [] })],
  ];
};

const statefulSetScenarios = (): Scenarios => {
  const of = (overrides: Partial<StatefulSetSnapshot>): StatefulSetSnapshot => ({
    namespace: 'data',
    name: 'postgres',
    statefulSet: postgresStatefulSet({ readyReplicas: 2 }),
    pods: [],
    ...overrides,
  });
  const short = postgresStatefulSet({ readyReplicas: 1 });
  short.status!.replicas = 1;
  return [
    ...POD_CAUSE_KINDS.map(
      (cause) =>
        [
          `an ordinal with ${cause}`,
          of({ pods: [{ pod: postgresPod(0, cause), events: [], node: nodeFor(cause) }] }),
        ] as const,
    ),
    [
      'a pod the API server refused to create',
      of({
        statefulSet: short,
        events: [
          warningEvent(
            { kind: 'StatefulSet', name: 'postgres', namespace: 'data' },
            'FailedCreate',
            'exceeded quota: pods',
          ),
        ],
      }),
    ],
    [
      'an OnDelete update',
      of({
        statefulSet: postgresStatefulSet({
          updateRevision: 'postgres-84c6f9d7b5',
          updateStrategy: { type: 'OnDelete' },
        }),
      }),
    ],
    [
      'a partitioned update',
      of({
        statefulSet: postgresStatefulSet({
          updateRevision: 'postgres-84c6f9d7b5',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        }),
      }),
    ],
    ['a missing ordinal', of({ statefulSet: short, pods: [{ pod: postgresPod(0, 'healthy'), events: [] }] })],
    ['a shortfall without pod problems', of({})],
    ['a deleted StatefulSet', of({ statefulSet: null })],
  ];
};

const daemonSetScenarios = (): Scenarios => {
  const nodes = ['ip-10-0-1-22', 'ip-10-0-2-31'].map((name) => `${name}.eu-west-1.compute.internal`);
  const of = (overrides: Partial<DaemonSetSnapshot>): DaemonSetSnapshot => ({
    namespace: 'monitoring',
    name: 'node-exporter',
    daemonSet: nodeExporterDaemonSet({ numberReady: 1 }),
    pods: nodes.map((name) => ({ pod: nodeExporterPod(name, 'healthy'), events: [] })),
    nodes: nodes.map((name) => node('ready', { name })),
    ...overrides,
  });
  return [
    ...POD_CAUSE_KINDS.map(
      (cause) =>
        [
          `a pod with ${cause}`,
          of({ pods: [{ pod: nodeExporterPod(nodes[0]!, cause), events: [], node: nodeFor(cause, nodes[0]) }] }),
        ] as const,
    ),
    [
      'only tainted nodes, so no pod anywhere',
      of({
        daemonSet: (() => {
          const ds = nodeExporterDaemonSet({ numberReady: 0 });
          Object.assign(ds.status!, { desiredNumberScheduled: 0, currentNumberScheduled: 0 });
          return ds;
        })(),
        pods: [],
        nodes: [node('ready', { name: 'gpu-1', taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] })],
      }),
    ],
    [
      'a pod the API server refused to create',
      of({
        pods: [{ pod: nodeExporterPod(nodes[0]!, 'healthy'), events: [] }],
        events: [
          warningEvent(
            { kind: 'DaemonSet', name: 'node-exporter', namespace: 'monitoring' },
            'FailedCreate',
            'Error creating: pods "node-exporter-x7k2p" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
          ),
        ],
      }),
    ],
    [
      'a pod on a node whose NoExecute taint it does not tolerate',
      of({
        nodes: [
          node('ready', { name: nodes[0]! }),
          node('ready', { name: nodes[1]!, taints: [{ key: 'team', effect: 'NoExecute' }] }),
        ],
      }),
    ],
    ['a shortfall nothing explains', of({})],
    ['a deleted DaemonSet', of({ daemonSet: null, pods: [], nodes: [] })],
  ];
};

const jobScenarios = (): Scenarios => {
  const of = (overrides: Partial<JobSnapshot>): JobSnapshot => ({
    namespace: 'reporting',
    name: 'nightly-report-29384756',
    job: nightlyJob('backoff-limit'),
    pods: [nightlyJobPod('error')],
    events: [],
    ...overrides,
  });
  // A running Job's pod, in any state a pod can be in.
  const jobPodIn = (state: PodState): V1Pod =>
    podIn(state, {
      name: 'nightly-report-29384756-7xk2p',
      namespace: 'reporting',
      uid: '4b3a2918-7xk2p-4c5d-8e7f-6a5b4c3d2e1f',
      labels: { 'job-name': 'nightly-report-29384756' },
      owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-report-29384756', uid: NIGHTLY_JOB_UID },
      container: 'report',
      image: 'registry.example/reports:2.3.1',
    });
  return [
    ['a backoff-limit failure', of({})],
    ['a failure with an OOM kill', of({ pods: [nightlyJobPod('oom-killed')] })],
    ['a deadline failure', of({ job: nightlyJob('deadline'), pods: [nightlyJobPod('evicted')] })],
    ['a pod-failure-policy failure', of({ job: nightlyJob('pod-failure-policy') })],
    ...POD_STATUS_CAUSE_KINDS.map(
      (cause) => [`a running Job with ${cause}`, of({ job: nightlyJob('running'), pods: [jobPodIn(cause)] })] as const,
    ),
    ['a running Job whose pods report nothing', of({ job: nightlyJob('running'), pods: [nightlyJobPod('running')] })],
    ['a deleted Job', of({ job: null, pods: [] })],
  ];
};

const hpaScenarios = (): Scenarios => {
  const of = (hpa: HpaSnapshot['hpa']): HpaSnapshot => ({ namespace: 'web', name: 'storefront', hpa });
  return [
    ['an HPA at its ceiling', of(storefrontHpa('maxed-out'))],
    ['an HPA without metrics', of(storefrontHpa('metrics-unavailable'))],
    ['an HPA whose new pods do not become ready', of(storefrontHpa('scaling-up'))],
    ['a deleted HPA', of(null)],
  ];
};

const pdbScenarios = (): Scenarios => {
  const of = (overrides: Partial<PdbSnapshot>): PdbSnapshot => ({
    namespace: 'payments',
    name: 'checkout',
    pdb: checkoutPdb(),
    pods: [],
    ...overrides,
  });
  return [
    ...POD_CAUSE_KINDS.map(
      (cause) =>
        [`a pod with ${cause}`, of({ pods: [{ pod: checkoutPod(cause), events: [], node: nodeFor(cause) }] })] as const,
    ),
    ['a budget short without pod problems', of({})],
    [
      'a budget that selects nothing',
      of({ pdb: checkoutPdb({ currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }) }),
    ],
    ['a deleted budget', of({ pdb: null })],
  ];
};

const pvcScenarios = (): Scenarios => {
  const of = (overrides: Partial<PvcSnapshot>): PvcSnapshot => ({
    namespace: 'data',
    name: 'data-postgres-0',
    pvc: postgresPvc(),
    storageClass: storageClass(),
    ...overrides,
  });
  return [
    ['an expandable volume', of({})],
    ['a volume that cannot expand', of({ storageClass: storageClass('gp3', false) })],
    ['a volume of a missing storage class', of({ storageClass: null })],
    ['a volume out of inodes', of({ inodes: true })],
    ['a deleted claim', of({ pvc: null, storageClass: null })],
  ];
};

const nodeScenarios = (): Scenarios => {
  const onNode = [checkoutPod('healthy'), nodeExporterPod('ip-10-0-3-17.eu-west-1.compute.internal', 'healthy')];
  const of = (subject: NodeSnapshot['node']): NodeSnapshot => ({
    name: 'ip-10-0-3-17.eu-west-1.compute.internal',
    node: subject,
    pods: subject === null ? [] : onNode,
  });
  return [
    ['an unreachable node', of(node('unreachable'))],
    ['a node under memory pressure', of(node('memory-pressure'))],
    ['a NotReady node', of(node('not-ready', { unschedulable: true }))],
    ['a Ready node', of(node('ready'))],
    ['a deleted node', of(null)],
  ];
};

const quotaScenarios = (): Scenarios => {
  const of = (quota: QuotaSnapshot['quota'], resource?: string): QuotaSnapshot => ({
    namespace: 'team-a',
    name: 'compute',
    ...(resource === undefined ? {} : { resource }),
    quota,
  });
  return [
    ['an exhausted quota', of(computeQuota(), 'requests.memory')],
    ['a quota close to its limits', of(computeQuota({ 'requests.memory': '7500Mi' }))],
    ['a quota well below its limits again', of(computeQuota({ 'requests.memory': '7Gi' }))],
    ['a deleted quota', of(null)],
  ];
};

const throttlingScenarios = (): Scenarios => {
  const unlimited = checkoutPod('healthy');
  unlimited.spec!.containers[0]!.resources = {};
  const of = (pod: ThrottlingSnapshot['pod']): ThrottlingSnapshot => ({
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    container: 'app',
    pod,
  });
  return [
    ['a container at its CPU limit', of(checkoutPod('healthy'))],
    ['a container without a CPU limit', of(unlimited)],
    ['a deleted pod', of(null)],
  ];
};

const SCENARIOS: Readonly<Record<string, () => Scenarios>> = {
  'crash-loop': crashLoopScenarios,
  'container-waiting': podProblemScenarios,
  'pod-not-ready': podProblemScenarios,
  'deployment-health': deploymentScenarios,
  'statefulset-health': statefulSetScenarios,
  'daemonset-health': daemonSetScenarios,
  'job-health': jobScenarios,
  'hpa-health': hpaScenarios,
  'pdb-health': pdbScenarios,
  'pvc-filling': pvcScenarios,
  'node-health': nodeScenarios,
  'quota-health': quotaScenarios,
  'cpu-throttling': throttlingScenarios,
};

/** A cluster with one broken object of every kind the audits read, as the audit lists it. */
function brokenListing() {
  const bare = podIn('bad-image', {
    name: 'debug-shell',
    namespace: 'payments',
    uid: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
    labels: { run: 'debug-shell' },
    owner: null,
  });
  return createListing({
    Deployment: [deployment()],
    ReplicaSet: checkoutReplicaSets(),
    Pod: [
      checkoutPod('bad-image'),
      checkoutPod('evicted', 'checkout-7d9f8b6c5d-m4v7z'),
      postgresPod(0, 'app-crash'),
      nodeExporterPod('ip-10-0-1-22.eu-west-1.compute.internal', 'probe-failure'),
      nightlyJobPod('oom-killed'),
      bare,
    ],
    StatefulSet: [postgresStatefulSet({ readyReplicas: 0 })],
    DaemonSet: [nodeExporterDaemonSet({ numberReady: 2 })],
    Job: [nightlyJob('backoff-limit')],
    HorizontalPodAutoscaler: [storefrontHpa('metrics-unavailable')],
    PodDisruptionBudget: [checkoutPdb()],
    Node: [node('not-ready'), node('memory-pressure', { name: 'ip-10-0-1-22.eu-west-1.compute.internal' })],
    ResourceQuota: [computeQuota()],
  });
}

function expectDeclared(detector: AnyDetector, snapshot: unknown): string {
  const diagnosis = detector.diagnose(snapshot, now);
  expect(diagnosis.detector).toBe(detector.name);
  expect(Object.keys(detector.anomalies)).toContain(diagnosis.anomaly);
  expect(detector.anomalies[diagnosis.anomaly]).toEqual(expect.arrayContaining(Object.keys(diagnosis.facts)));
  expect(DiagnosisSchema.safeParse(diagnosis).error).toBeUndefined();
  // What is wrong must rest on what was read: only a settled diagnosis may come without evidence.
  if (!(detector.settled ?? []).includes(diagnosis.anomaly)) {
    expect(diagnosis.evidence.length > 0 ? 'with evidence' : `${diagnosis.anomaly} without evidence`).toBe(
      'with evidence',
    );
  }
  return diagnosis.anomaly;
}

describe('detector registry', () => {
  it('names every detector once', () => {
    const names = detectors.map((detector) => detector.name);

    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every detector a description users read and the reads its RBAC is generated from', () => {
    for (const detector of detectors) {
      expect(detector.description.length).toBeGreaterThan(20);
      expect(detector.reads.length).toBeGreaterThan(0);
      for (const read of detector.reads) expect(read.verbs.length).toBeGreaterThan(0);
    }
  });

  it('has contract scenarios for every registered detector', () => {
    expect(detectors.map((detector) => detector.name).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  it('finds a detector by name, in the default or a given registry', () => {
    expect(findDetector('pvc-filling')?.name).toBe('pvc-filling');
    expect(findDetector('crashloop')).toBeUndefined();
    expect(findDetector('pvc-filling', [])).toBeUndefined();
  });
});

describe.each(detectors.map((detector) => [detector.name, detector] as const))('%s contract', (_, detector) => {
  const scenarios = SCENARIOS[detector.name]?.() ?? [];

  it.each(scenarios.map(([situation, snapshot]) => [situation, snapshot]))(
    'reports %s as an anomaly it declares, with only facts it declares for it',
    (_situation, snapshot) => {
      expectDeclared(detector, snapshot);
    },
  );

  it('reports every anomaly it declares in some situation (no declaration without a diagnosis)', () => {
    const reported = new Set(scenarios.map(([, snapshot]) => detector.diagnose(snapshot, now).anomaly));

    expect([...reported].sort()).toEqual(Object.keys(detector.anomalies).sort());
  });
});

const audited = detectors.filter((detector) => detector.audit !== undefined);

describe.each(audited.map((detector) => [detector.name, detector] as const))('%s audit contract', (_, detector) => {
  it('diagnoses what its audit picks in a listed cluster as anomalies it declares', () => {
    const snapshots = [...detector.audit!.snapshots(brokenListing(), now)];

    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) expectDeclared(detector, snapshot);
  });
});
