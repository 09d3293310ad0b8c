import type {
  V1Deployment,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

import type {
  ContainerFacts,
  Facts,
  HpaFacts,
  JobFacts,
  NodeFacts,
  PodFacts,
  RolloutFacts,
  VolumeFacts,
  WorkloadFacts,
} from '../../lib/domain/facts.ts';
import type { Diagnosis } from '../../lib/domain/types.ts';
import { crashingPod, deployment, replicaSet } from './fixtures.ts';

/**
 * Diagnoses as the detectors report them (anomaly, summary, evidence and facts worded and shaped
 * as lib/detect produces them) and the objects a fix reads and writes, with the status fields
 * their controllers set. Built around the objects of fixtures.ts: Deployment payments/checkout at
 * revision 3 and its crash-looping pod.
 */

export const CHECKOUT_UID = '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91';
export const CHECKOUT_POD_UID = 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e';
export const LEDGER_UID = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
export const LEDGER_POD_UID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

/** checkout as `workloadFacts` reads it from fixtures' deployment(). */
export function checkoutWorkloadFacts(overrides: Partial<WorkloadFacts> = {}): WorkloadFacts {
  return {
    kind: 'Deployment',
    namespace: 'payments',
    name: 'checkout',
    uid: CHECKOUT_UID,
    resourceVersion: '884213',
    revision: '3',
    paused: false,
    onDelete: false,
    deleting: false,
    ...overrides,
  };
}

/** checkout's crash-looping pod as `podFacts` reads it. */
export function checkoutPodFacts(overrides: Partial<PodFacts> = {}): PodFacts {
  return {
    namespace: 'payments',
    name: 'checkout-7d9f8b6c5d-x2k9p',
    uid: CHECKOUT_POD_UID,
    controller: { kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d' },
    ...overrides,
  };
}

/** Container app of checkout's pod: 14 restarts, 256Mi limit, 128Mi request. */
export function appContainerFacts(overrides: Partial<ContainerFacts> = {}): ContainerFacts {
  return { name: 'app', restarts: 14, memoryLimit: '256Mi', memoryRequest: '128Mi', ...overrides };
}

/** crash-loop's diagnosis of checkout's pod under a fully rolled-out Deployment. */
export function crashLoopDiagnosis(facts: Partial<Facts> = {}): Diagnosis {
  return {
    detector: 'crash-loop',
    anomaly: 'crash-loop',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    summary: 'container app of deployment checkout is crash looping: it exits with code 1 (Error)',
    confidence: 0.6,
    evidence: [
      { source: 'pod.status', message: 'container app: CrashLoopBackOff, last exit code 1 (Error), 14 restarts' },
      { source: 'event', message: 'BackOff: Back-off restarting failed container app (37 times)' },
    ],
    facts: { pod: checkoutPodFacts(), container: appContainerFacts(), workload: checkoutWorkloadFacts(), ...facts },
  };
}

/** crash-loop's diagnosis of pod ledger-1 of StatefulSet payments/ledger (no Deployment above it). */
export function statefulSetCrashLoopDiagnosis(facts: Partial<Facts> = {}): Diagnosis {
  return {
    detector: 'crash-loop',
    anomaly: 'crash-loop',
    target: { kind: 'Pod', namespace: 'payments', name: 'ledger-1', uid: LEDGER_POD_UID },
    summary: 'container app of StatefulSet ledger is crash looping: it exits with code 1 (Error)',
    confidence: 0.5,
    evidence: [
      { source: 'pod.status', message: 'container app: CrashLoopBackOff, last exit code 1 (Error), 9 restarts' },
    ],
    facts: {
      pod: {
        namespace: 'payments',
        name: 'ledger-1',
        uid: LEDGER_POD_UID,
        controller: { kind: 'StatefulSet', name: 'ledger' },
      },
      container: { name: 'app', restarts: 9, memoryLimit: '1Gi', memoryRequest: '512Mi' },
      ...facts,
    },
  };
}

/** crash-loop's diagnosis of checkout's container killed at its memory limit. */
export function oomKilledDiagnosis(facts: Partial<Facts> = {}): Diagnosis {
  return {
    detector: 'crash-loop',
    anomaly: 'oom-killed',
    target: { kind: 'Pod', namespace: 'payments', name: 'checkout-7d9f8b6c5d-x2k9p', uid: CHECKOUT_POD_UID },
    summary:
      'container app is killed for exceeding its memory limit (256Mi); a restart would not help — raise the limit of deployment checkout (if usage is steady, not a leak)',
    confidence: 0.9,
    evidence: [{ source: 'pod.status', message: 'container app: last terminated OOMKilled (exit code 137)' }],
    facts: { pod: checkoutPodFacts(), container: appContainerFacts(), workload: checkoutWorkloadFacts(), ...facts },
  };
}

/** Revision 3 of checkout (new image) against revision 2, as `rolloutFacts` reports it. */
export function checkoutRolloutFacts(overrides: Partial<RolloutFacts> = {}): RolloutFacts {
  return {
    from: '3',
    to: '2',
    beganWithIt: true,
    failingPods: 2,
    changes: ['container app image registry.example/checkout:1.14.1 → registry.example/checkout:1.14.2'],
    ...overrides,
  };
}

/** deployment-health's diagnosis of checkout's newest revision whose pods cannot pull their image. */
export function badRevisionDiagnosis(facts: Partial<Facts> = {}): Diagnosis {
  return {
    detector: 'deployment-health',
    anomaly: 'bad-image',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    summary:
      'rollout stuck: 2 of 3 pods of the newest revision are unhealthy — container app cannot pull image registry.example/checkout:1.14.2 (2 pods).',
    confidence: 0.8,
    evidence: [
      {
        source: 'rollout',
        message:
          'revision 3 (replicaset checkout-7d9f8b6c5d) rolled out 12 minutes before the alert, replacing revision 2 (checkout-5c4b3a2f1e)',
      },
    ],
    facts: { workload: checkoutWorkloadFacts(), rollout: checkoutRolloutFacts(), ...facts },
  };
}

export const CHECKOUT_HPA_UID = '3d5e7f90-4a6b-4c8d-9e0f-1a2b3c4d5e6f';

export function checkoutHpaFacts(overrides: Partial<HpaFacts> = {}): HpaFacts {
  return {
    namespace: 'payments',
    name: 'checkout',
    uid: CHECKOUT_HPA_UID,
    minReplicas: 3,
    maxReplicas: 10,
    currentReplicas: 10,
    desiredReplicas: 14,
    ...overrides,
  };
}

/** hpa-health's diagnosis of HPA payments/checkout pinned at its ceiling. */
export function hpaMaxedOutDiagnosis(facts: Partial<Facts> = {}, anomaly = 'hpa-maxed-out'): Diagnosis {
  return {
    detector: 'hpa-health',
    anomaly,
    target: { kind: 'HorizontalPodAutoscaler', namespace: 'payments', name: 'checkout', uid: CHECKOUT_HPA_UID },
    summary:
      'HPA checkout runs Deployment checkout at its ceiling of 10 replicas and wants 14: raise maxReplicas (if the cluster has room) or reduce load per pod',
    confidence: 0.8,
    evidence: [
      {
        source: 'hpa.status',
        message:
          'ScalingLimited True TooManyReplicas: the desired replica count is more than the maximum replica count',
      },
    ],
    facts: { hpa: checkoutHpaFacts(), ...facts },
  };
}

export const LEDGER_PVC_UID = '8a9b0c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d';

export function ledgerVolumeFacts(overrides: Partial<VolumeFacts> = {}): VolumeFacts {
  return {
    namespace: 'payments',
    name: 'data-ledger-0',
    uid: LEDGER_PVC_UID,
    requested: '10Gi',
    capacity: '10Gi',
    storageClass: 'gp3',
    expandable: true,
    ...overrides,
  };
}

/** pvc-filling's diagnosis of volume payments/data-ledger-0. */
export function volumeFillingDiagnosis(facts: Partial<Facts> = {}, anomaly = 'volume-filling'): Diagnosis {
  return {
    detector: 'pvc-filling',
    anomaly,
    target: { kind: 'PersistentVolumeClaim', namespace: 'payments', name: 'data-ledger-0', uid: LEDGER_PVC_UID },
    summary: 'volume data-ledger-0 (10Gi) is filling up; its storage class allows expanding it in place',
    confidence: 0.8,
    evidence: [{ source: 'storageclass', message: 'storage class gp3 (ebs.csi.aws.com) allows volume expansion' }],
    facts: { volume: ledgerVolumeFacts(), ...facts },
  };
}

export const SETTLEMENT_JOB_UID = '7c2d9e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f';

export function settlementJobFacts(overrides: Partial<JobFacts> = {}): JobFacts {
  return {
    namespace: 'payments',
    name: 'settlement-28891440',
    uid: SETTLEMENT_JOB_UID,
    failed: true,
    reason: 'DeadlineExceeded',
    evicted: false,
    oomKilled: false,
    ...overrides,
  };
}

/** job-health's diagnosis of Job payments/settlement-28891440 that ran past its deadline. */
export function jobFailedDiagnosis(facts: Partial<Facts> = {}, anomaly = 'DeadlineExceeded'): Diagnosis {
  return {
    detector: 'job-health',
    anomaly,
    target: { kind: 'Job', namespace: 'payments', name: 'settlement-28891440', uid: SETTLEMENT_JOB_UID },
    summary: 'job settlement-28891440 failed: it ran past activeDeadlineSeconds (600 s)',
    confidence: 0.8,
    evidence: [
      { source: 'job.status', message: 'Failed True DeadlineExceeded: Job was active longer than specified deadline' },
    ],
    facts: { job: settlementJobFacts(), ...facts },
  };
}

export const NODE_NAME = 'ip-10-0-3-17.eu-west-1.compute.internal';
export const NODE_UID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';

export function nodeFacts(overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name: NODE_NAME,
    uid: NODE_UID,
    ready: 'False',
    cordoned: false,
    pressures: [],
    workloadPods: 7,
    ...overrides,
  };
}

/** node-health's diagnosis of a node that reports NotReady. */
export function nodeNotReadyDiagnosis(facts: Partial<Facts> = {}, anomaly = 'node-not-ready'): Diagnosis {
  return {
    detector: 'node-health',
    anomaly,
    target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
    summary: `node ${NODE_NAME} reports NotReady for 6m: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady`,
    confidence: 0.8,
    evidence: [{ source: 'node.status', message: 'Ready False KubeletNotReady' }],
    facts: { node: nodeFacts(), ...facts },
  };
}

// ── Kubernetes objects ────────────────────────────────────────────────────────────────────────

/**
 * fixtures' checkout Deployment with every replica of revision 3 updated and available, as the
 * Deployment controller reports a finished rollout.
 */
export function rolledOutDeployment(): V1Deployment {
  const d = deployment();
  d.status = {
    ...d.status,
    observedGeneration: 7,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "checkout-7d9f8b6c5d" has successfully progressed.',
      },
    ],
  };
  return d;
}

/** checkout's ReplicaSet at `revision`, labelled with its pod-template-hash and owned by the Deployment. */
export function checkoutReplicaSet(revision: '2' | '3', image?: string): V1ReplicaSet {
  const hash = revision === '3' ? '7d9f8b6c5d' : '5c4b3a2f1e';
  const rs = replicaSet(revision);
  rs.metadata!.name = `checkout-${hash}`;
  rs.metadata!.uid = `rs-uid-revision-${revision}`;
  rs.metadata!.labels = { app: 'checkout', 'pod-template-hash': hash };
  rs.metadata!.ownerReferences![0]!.uid = CHECKOUT_UID;
  rs.metadata!.creationTimestamp = new Date(revision === '3' ? '2026-11-26T02:08:00Z' : '2026-11-20T15:30:00Z');
  const template = structuredClone(deployment().spec!.template);
  template.metadata = { labels: { app: 'checkout', 'pod-template-hash': hash } };
  template.spec!.containers[0]!.image =
    image ?? (revision === '3' ? 'registry.example/checkout:1.14.2' : 'registry.example/checkout:1.14.1');
  rs.spec = { ...rs.spec!, template, selector: { matchLabels: { app: 'checkout', 'pod-template-hash': hash } } };
  return rs;
}

/** Waiting reasons with the message the kubelet gives them. */
const WAITING_MESSAGES: Record<string, string> = {
  CrashLoopBackOff: 'back-off 5m0s restarting failed container=app',
  ImagePullBackOff: 'Back-off pulling image "registry.example/checkout:1.14.2"',
};

/**
 * A pod of the checkout ReplicaSet `hash`, created at `created`: Ready, stuck waiting for
 * `waiting`, or (neither) still creating its container.
 */
export function checkoutPod(
  name: string,
  options: { hash?: string; created: string; waiting?: string; ready?: boolean; ownerUid?: string },
): V1Pod {
  const pod = crashingPod({ name, creationTimestamp: options.created });
  pod.metadata!.uid = `uid-${name}`;
  pod.metadata!.labels = { app: 'checkout', 'pod-template-hash': options.hash ?? '7d9f8b6c5d' };
  pod.metadata!.ownerReferences![0]!.uid = options.ownerUid ?? 'rs-uid-revision-3';
  const status = pod.status!.containerStatuses![0]!;
  if (options.waiting !== undefined) {
    status.state = { waiting: { reason: options.waiting, message: WAITING_MESSAGES[options.waiting] } };
    status.ready = false;
  } else if (options.ready === true) {
    status.state = { running: { startedAt: new Date(options.created) } };
    status.ready = true;
    status.started = true;
    status.lastState = {};
    status.restartCount = 0;
  } else {
    status.state = { waiting: { reason: 'ContainerCreating' } };
    status.ready = false;
    status.lastState = {};
    status.restartCount = 0;
  }
  pod.status!.conditions = [
    { type: 'PodScheduled', status: 'True' },
    { type: 'Initialized', status: 'True' },
    { type: 'ContainersReady', status: options.ready === true ? 'True' : 'False' },
    { type: 'Ready', status: options.ready === true ? 'True' : 'False' },
  ];
  return pod;
}

/** StatefulSet payments/ledger, 3 replicas, every one on the update revision and ready. */
export function statefulSet(overrides: { updateStrategy?: 'RollingUpdate' | 'OnDelete' } = {}): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'ledger',
      namespace: 'payments',
      uid: LEDGER_UID,
      resourceVersion: '771002',
      generation: 4,
      creationTimestamp: new Date('2026-09-14T08:00:00Z'),
    },
    spec: {
      replicas: 3,
      serviceName: 'ledger',
      selector: { matchLabels: { app: 'ledger' } },
      updateStrategy: { type: overrides.updateStrategy ?? 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'ledger' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/ledger:2.3.0',
              resources: { limits: { memory: '1Gi', cpu: '500m' }, requests: { memory: '512Mi', cpu: '250m' } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 4,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      currentRevision: 'ledger-6b8f9c7d5',
      updateRevision: 'ledger-6b8f9c7d5',
      collisionCount: 0,
    },
  };
}

/** A pod of StatefulSet ledger (ordinal `ordinal`), Ready unless told otherwise. */
export function ledgerPod(ordinal: number, options: { ready?: boolean; uid?: string; created?: string } = {}): V1Pod {
  const ready = options.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `ledger-${ordinal}`,
      namespace: 'payments',
      uid: options.uid ?? (ordinal === 1 ? LEDGER_POD_UID : `ledger-pod-uid-${ordinal}`),
      creationTimestamp: new Date(options.created ?? '2026-11-25T10:00:00Z'),
      labels: { app: 'ledger', 'controller-revision-hash': 'ledger-6b8f9c7d5' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger', uid: LEDGER_UID, controller: true },
      ],
    },
    spec: { nodeName: NODE_NAME, containers: [{ name: 'app', image: 'registry.example/ledger:2.3.0' }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example/ledger:2.3.0',
          imageID: 'registry.example/ledger@sha256:9f2a',
          ready,
          restartCount: ready ? 0 : 9,
          state: ready
            ? { running: { startedAt: new Date('2026-11-25T10:00:05Z') } }
            : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app' } },
        },
      ],
    },
  };
}

/** HPA payments/checkout (autoscaling/v2) pinned at its ceiling of 10 replicas, wanting 14. */
export function hpa(): V2HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: 'checkout',
      namespace: 'payments',
      uid: CHECKOUT_HPA_UID,
      resourceVersion: '90411',
      generation: 2,
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
    status: {
      observedGeneration: 2,
      currentReplicas: 10,
      desiredReplicas: 14,
      conditions: [
        {
          type: 'AbleToScale',
          status: 'True',
          reason: 'ReadyForNewScale',
          message: 'recommended size matches current size',
        },
        {
          type: 'ScalingActive',
          status: 'True',
          reason: 'ValidMetricFound',
          message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization',
        },
        {
          type: 'ScalingLimited',
          status: 'True',
          reason: 'TooManyReplicas',
          message: 'the desired replica count is more than the maximum replica count',
        },
      ],
    },
  };
}

/** PVC payments/data-ledger-0 of 10Gi, Bound through storage class gp3. */
export function pvc(): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'data-ledger-0',
      namespace: 'payments',
      uid: LEDGER_PVC_UID,
      resourceVersion: '612700',
      labels: { app: 'ledger' },
      annotations: {
        'pv.kubernetes.io/bind-completed': 'yes',
        'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
      },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3',
      volumeMode: 'Filesystem',
      volumeName: 'pvc-8a9b0c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d',
      resources: { requests: { storage: '10Gi' } },
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
  };
}

/** Job payments/settlement-28891440 of CronJob settlement, failed with DeadlineExceeded. */
export function failedJob(reason = 'DeadlineExceeded'): V1Job {
  const generated = {
    'batch.kubernetes.io/controller-uid': SETTLEMENT_JOB_UID,
    'batch.kubernetes.io/job-name': 'settlement-28891440',
    'controller-uid': SETTLEMENT_JOB_UID,
    'job-name': 'settlement-28891440',
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'settlement-28891440',
      namespace: 'payments',
      uid: SETTLEMENT_JOB_UID,
      resourceVersion: '700311',
      generation: 1,
      creationTimestamp: new Date('2026-11-26T00:00:00Z'),
      labels: { ...generated, app: 'settlement' },
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-11-26T00:00:00Z' },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'settlement', uid: 'cronjob-uid', controller: true },
      ],
    },
    spec: {
      activeDeadlineSeconds: 600,
      backoffLimit: 2,
      completions: 1,
      parallelism: 1,
      manualSelector: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': SETTLEMENT_JOB_UID } },
      template: {
        metadata: { labels: { ...generated, app: 'settlement' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'settle', image: 'registry.example/settlement:4.2.0', args: ['--day', 'yesterday'] }],
        },
      },
    },
    status: {
      startTime: new Date('2026-11-26T00:00:03Z'),
      failed: 1,
      conditions: [
        {
          type: 'FailureTarget',
          status: 'True',
          reason,
          message: 'Job was active longer than specified deadline',
        },
        { type: 'Failed', status: 'True', reason, message: 'Job was active longer than specified deadline' },
      ],
    },
  };
}

/** A node of the eu-west-1 pool: Ready unless told otherwise, schedulable unless cordoned. */
export function node(
  name = NODE_NAME,
  options: { ready?: 'True' | 'False' | 'Unknown'; cordoned?: boolean } = {},
): V1Node {
  const ready = options.ready ?? 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: name === NODE_NAME ? NODE_UID : `uid-${name}`,
      resourceVersion: '1200450',
      labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'eu-west-1a' },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {
      providerID: `aws:///eu-west-1a/i-0${name.length}f3c2a1b`,
      ...(options.cordoned === true
        ? {
            unschedulable: true,
            taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
          }
        : {}),
    },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID' },
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'KubeletReady' : ready === 'False' ? 'KubeletNotReady' : 'NodeStatusUnknown',
          lastHeartbeatTime: new Date('2026-11-26T02:14:00Z'),
        },
      ],
    },
  };
}

/** A running pod on `nodeName`, run by the controller `owner` (none for a bare pod). */
export function podOnNode(
  namespace: string,
  name: string,
  options: {
    nodeName?: string;
    owner?: { kind: string; name: string } | null;
    phase?: string;
    mirror?: boolean;
    deleting?: boolean;
  } = {},
): V1Pod {
  const owner = options.owner === undefined ? { kind: 'ReplicaSet', name: `${name}-rs` } : options.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      ...(options.mirror === true ? { annotations: { 'kubernetes.io/config.mirror': 'a1b2c3d4e5f6' } } : {}),
      ...(options.deleting === true ? { deletionTimestamp: new Date('2026-11-26T02:19:00Z') } : {}),
      ...(owner === null
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: owner.kind === 'Node' ? 'v1' : 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: `uid-${owner.name}`,
                controller: true,
              },
            ],
          }),
    },
    spec: { nodeName: options.nodeName ?? NODE_NAME, containers: [{ name: 'main', image: 'registry.example/app:1' }] },
    status: { phase: options.phase ?? 'Running' },
  };
}
