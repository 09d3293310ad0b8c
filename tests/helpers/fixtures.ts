import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
  CoreV1Event,
  V1ContainerStatus,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Node,
  V1NodeCondition,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodDisruptionBudgetStatus,
  V1ReplicaSet,
  V1ResourceQuota,
  V1StatefulSet,
  V1StatefulSetUpdateStrategy,
  V1StorageClass,
  V1Taint,
  V1Toleration,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

import { parseWebhook, type Alert, type Webhook } from '../../lib/alert/schema.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function readFixture(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

export function webhookFixture(name: string): Webhook {
  return parseWebhook(readFixture(`alerts/${name}`));
}

export function alertFixture(name = 'crashlooping-single.json', index = 0): Alert {
  const alert = webhookFixture(name).alerts[index];
  if (alert === undefined) throw new Error(`no alert ${index} in ${name}`);
  return alert;
}

/** The Deployment checkout in payments, fully rolled out at revision 3, as a real cluster reports it. */
export function deployment(
  overrides: { paused?: boolean; progressing?: string; updatedReplicas?: number } = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'checkout',
      namespace: 'payments',
      uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      resourceVersion: '884213',
      generation: 7,
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      creationTimestamp: new Date('2026-10-02T09:00:00Z'),
    },
    spec: {
      replicas: 3,
      paused: overrides.paused,
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/checkout:1.14.2',
              resources: { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 7,
      replicas: 3,
      updatedReplicas: overrides.updatedReplicas ?? 3,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: overrides.progressing ?? 'NewReplicaSetAvailable',
          message: 'ReplicaSet "checkout-7d9f8b6c5d" has successfully progressed.',
        },
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
      ],
    },
  };
}

export function replicaSet(revision = '3'): V1ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'checkout-7d9f8b6c5d',
      namespace: 'payments',
      uid: '0b8e7c6d-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
      annotations: { 'deployment.kubernetes.io/revision': revision },
      creationTimestamp: new Date('2026-11-20T15:30:00Z'),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'checkout',
          uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'checkout' } } },
    status: { replicas: 3, readyReplicas: 1 },
  };
}

/** A pod of checkout whose container `app` is in CrashLoopBackOff after exiting with code 1. */
export function crashingPod(
  overrides: {
    owner?: { kind: string; name: string } | null;
    lastReason?: string;
    exitCode?: number;
    running?: boolean;
    name?: string;
    creationTimestamp?: string;
  } = {},
): V1Pod {
  const owner = overrides.owner === undefined ? { kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d' } : overrides.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: overrides.name ?? 'checkout-7d9f8b6c5d-x2k9p',
      ...(overrides.creationTimestamp === undefined
        ? {}
        : { creationTimestamp: new Date(overrides.creationTimestamp) }),
      namespace: 'payments',
      uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e',
      annotations: {},
      ownerReferences:
        owner === null
          ? undefined
          : [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'owner-uid', controller: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/checkout:1.14.2',
          resources: { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example/checkout:1.14.2',
          imageID: 'registry.example/checkout@sha256:4c1e',
          ready: overrides.running === true,
          started: overrides.running === true,
          restartCount: 14,
          state:
            overrides.running === true
              ? { running: { startedAt: new Date('2026-11-26T02:40:00Z') } }
              : {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: 'back-off 5m0s restarting failed container=app pod=checkout-7d9f8b6c5d-x2k9p_payments',
                  },
                },
          lastState: {
            terminated: {
              reason: overrides.lastReason ?? 'Error',
              exitCode: overrides.exitCode ?? 1,
              startedAt: new Date('2026-11-26T02:13:01Z'),
              finishedAt: new Date('2026-11-26T02:13:04Z'),
            },
          },
        },
      ],
    },
  };
}

export function backOffEvent(): CoreV1Event {
  return {
    metadata: { name: 'checkout-7d9f8b6c5d-x2k9p.17b2', namespace: 'payments' },
    involvedObject: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container app in pod checkout-7d9f8b6c5d-x2k9p_payments',
    type: 'Warning',
    count: 37,
    lastTimestamp: new Date('2026-11-26T02:14:00Z'),
  };
}

// ---------------------------------------------------------------------------------------------
// Objects of every kind the detectors and the audit read, shaped as a kube-apiserver (1.31)
// returns them, with the status fields its controllers and the kubelet set. Names match the
// sample alerts in tests/fixtures/alerts/ where there is one (payments/checkout, web/storefront,
// reporting/nightly-report-29384756, data/data-postgres-0, ip-10-0-3-17.eu-west-1.compute.internal).
// ---------------------------------------------------------------------------------------------

/** The uid of `deployment()`, which its ReplicaSets name as their controller. */
export const CHECKOUT_UID = '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91';
/** The node most pods run on, as named by tests/fixtures/alerts/node-not-ready.json. */
export const NODE_NAME = 'ip-10-0-3-17.eu-west-1.compute.internal';

/**
 * What a pod reports for each cause kubemend tells apart (the values of `PodCauseKind`, plus
 * `healthy`): the container statuses a kubelet writes and the conditions the scheduler sets.
 */
export type PodState =
  | 'healthy'
  | 'app-crash'
  | 'oom-killed'
  | 'bad-image'
  | 'config-error'
  | 'probe-failure'
  | 'unschedulable'
  | 'scheduling-gated'
  | 'evicted'
  | 'waiting'
  | 'readiness-gate'
  | 'not-ready'
  | 'node-unreachable'
  | 'node-not-ready';

/**
 * States in which the containers are running and ready but the pod is not: a readiness gate not
 * yet True, or (for the rest) the Ready condition the node lifecycle controller set to False
 * when the node stopped being Ready, which leaves the container statuses as the kubelet last wrote them.
 */
const READY_CONTAINERS_UNREADY_POD = ['readiness-gate', 'not-ready', 'node-unreachable', 'node-not-ready'];

/** The node a pod in `state` runs on, when the state is about its node (undefined: not read). */
export function nodeFor(state: PodState, name = NODE_NAME): V1Node | undefined {
  if (state === 'node-unreachable') return node('unreachable', { name });
  if (state === 'node-not-ready') return node('not-ready', { name });
  return undefined;
}

/** Who a pod is: its identity, labels, controller and node. */
export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  owner: { apiVersion: string; kind: string; name: string; uid: string } | null;
  nodeName?: string;
  container?: string;
  image?: string;
}

const STARTED = new Date('2026-11-26T01:02:03Z');

/** `0317` for ip-10-0-3-17.eu-west-1.compute.internal: a short id that differs between nodes. */
function digitsOf(nodeName: string): string {
  const octets = (nodeName.split('.')[0] ?? nodeName).split('-').slice(-2);
  return octets.map((octet) => octet.padStart(2, '0').slice(-2)).join('');
}

/** A pod in `state`, as the kubelet and the scheduler report it. */
export function podIn(state: PodState, who: PodIdentity): V1Pod {
  const container = who.container ?? 'app';
  const image = who.image ?? 'registry.example/checkout:1.15.0';
  const scheduled = state !== 'unschedulable' && state !== 'scheduling-gated';
  const nodeName = scheduled ? (who.nodeName ?? NODE_NAME) : undefined;
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: who.name,
      namespace: who.namespace,
      uid: who.uid,
      resourceVersion: '884377',
      creationTimestamp: STARTED,
      labels: who.labels,
      ownerReferences: who.owner === null ? undefined : [{ ...who.owner, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      ...(state === 'scheduling-gated' ? { schedulingGates: [{ name: 'example.com/quota-check' }] } : {}),
      restartPolicy: 'Always',
      serviceAccountName: 'default',
      containers: [
        {
          name: container,
          image,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 },
        },
      ],
    },
    status: { phase: 'Running', qosClass: 'Burstable', startTime: STARTED },
  };
  const status = pod.status!;
  if (!scheduled) {
    status.phase = 'Pending';
    status.conditions = [
      state === 'unschedulable'
        ? {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient memory.',
            lastTransitionTime: STARTED,
          }
        : {
            type: 'PodScheduled',
            status: 'False',
            reason: 'SchedulingGated',
            message: 'Scheduling is blocked due to non-empty scheduling gates',
            lastTransitionTime: STARTED,
          },
    ];
    delete status.startTime;
    return pod;
  }
  if (state === 'evicted') {
    status.phase = 'Failed';
    status.reason = 'Evicted';
    status.message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 85432Ki.';
    status.containerStatuses = [
      {
        name: container,
        image,
        imageID: `${image.split(':')[0] ?? image}@sha256:4c1e`,
        ready: false,
        started: false,
        restartCount: 0,
        state: { terminated: { reason: 'Error', exitCode: 137, startedAt: STARTED, finishedAt: STARTED } },
      },
    ];
    return pod;
  }
  const ready = state === 'healthy';
  const containersReady = ready || READY_CONTAINERS_UNREADY_POD.includes(state);
  status.phase = ['bad-image', 'config-error', 'waiting'].includes(state) ? 'Pending' : 'Running';
  status.hostIP = '10.0.3.17';
  status.podIP = '10.0.3.142';
  status.conditions = [
    { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: STARTED },
    { type: 'Initialized', status: 'True', lastTransitionTime: STARTED },
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      ...(containersReady
        ? {}
        : { reason: 'ContainersNotReady', message: `containers with unready status: [${container}]` }),
      lastTransitionTime: ready ? STARTED : new Date('2026-11-26T02:06:10Z'),
    },
    {
      type: 'ContainersReady',
      status: containersReady ? 'True' : 'False',
      ...(containersReady
        ? {}
        : { reason: 'ContainersNotReady', message: `containers with unready status: [${container}]` }),
      lastTransitionTime: STARTED,
    },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: STARTED },
  ];
  if (state === 'readiness-gate') {
    const gate = 'target-health.elbv2.k8s.aws/k8s-payments-checkout-6b1f0e2d9c';
    pod.spec!.readinessGates = [{ conditionType: gate }];
    Object.assign(status.conditions[2]!, {
      reason: 'ReadinessGatesNotReady',
      message: `corresponding condition of pod readiness gate "${gate}" does not exist.`,
    });
  }
  const crashed = (reason: string, exitCode: number) => ({
    terminated: {
      reason,
      exitCode,
      startedAt: new Date('2026-11-26T02:13:01Z'),
      finishedAt: new Date('2026-11-26T02:13:04Z'),
      containerID: 'containerd://9f2c41d7',
    },
  });
  const backOff = {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: `back-off 5m0s restarting failed container=${container} pod=${who.name}_${who.namespace}`,
    },
  };
  const pulled = { imageID: `${image.split(':')[0] ?? image}@sha256:4c1e` };
  const runningReady = {
    ...pulled,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: STARTED } },
  };
  const byState: Record<
    Exclude<PodState, 'unschedulable' | 'scheduling-gated' | 'evicted'>,
    Omit<V1ContainerStatus, 'name' | 'image' | 'imageID'> & { imageID?: string }
  > = {
    healthy: runningReady,
    'readiness-gate': runningReady,
    'not-ready': runningReady,
    'node-unreachable': runningReady,
    'node-not-ready': runningReady,
    'app-crash': {
      ...pulled,
      ready: false,
      started: false,
      restartCount: 14,
      state: backOff,
      lastState: crashed('Error', 1),
    },
    'oom-killed': {
      ...pulled,
      ready: false,
      started: false,
      restartCount: 6,
      state: backOff,
      lastState: crashed('OOMKilled', 137),
    },
    'bad-image': {
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
    },
    'config-error': {
      ...pulled,
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "checkout-config" not found' } },
    },
    'probe-failure': {
      ...pulled,
      ready: false,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: STARTED } },
    },
    waiting: { ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
  };
  status.containerStatuses = [{ name: container, image, imageID: '', ...byState[state] }];
  return pod;
}

/** A pod of checkout's newest revision (3, ReplicaSet checkout-7d9f8b6c5d) in `state`. */
export function checkoutPod(state: PodState, name = 'checkout-7d9f8b6c5d-x2k9p'): V1Pod {
  return podIn(state, {
    name,
    namespace: 'payments',
    uid: `3e0c8f4a-${name.slice(-5)}-4b1d-9a7e-5c2f8d6b1a03`,
    labels: { app: 'checkout', 'pod-template-hash': '7d9f8b6c5d' },
    owner: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'checkout-7d9f8b6c5d',
      uid: '0b8e7c6d-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
    },
  });
}

/**
 * Checkout's two latest revisions, as the Deployment controller leaves them after rolling out
 * revision 3 at 02:10, four minutes before the sample alerts begin: revision 2 (scaled to 0) and
 * revision 3, which changed the image and the value of LOG_LEVEL.
 */
export function checkoutReplicaSets(): [previous: V1ReplicaSet, latest: V1ReplicaSet] {
  const owner = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'checkout',
    uid: CHECKOUT_UID,
    controller: true,
    blockOwnerDeletion: true,
  };
  const revision = (
    number: string,
    hash: string,
    uid: string,
    created: string,
    image: string,
    logLevel: string,
    replicas: number,
  ): V1ReplicaSet => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `checkout-${hash}`,
      namespace: 'payments',
      uid,
      resourceVersion: '884101',
      generation: 2,
      labels: { app: 'checkout', 'pod-template-hash': hash },
      annotations: {
        'deployment.kubernetes.io/desired-replicas': '3',
        'deployment.kubernetes.io/max-replicas': '4',
        'deployment.kubernetes.io/revision': number,
      },
      creationTimestamp: new Date(created),
      ownerReferences: [owner],
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'checkout', 'pod-template-hash': hash } },
      template: {
        metadata: { labels: { app: 'checkout', 'pod-template-hash': hash } },
        spec: {
          containers: [
            {
              name: 'app',
              image,
              env: [
                { name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'checkout-db', key: 'url' } } },
                { name: 'LOG_LEVEL', value: logLevel },
              ],
              resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
    status: {
      replicas,
      fullyLabeledReplicas: replicas,
      readyReplicas: replicas === 0 ? undefined : 1,
      availableReplicas: replicas === 0 ? undefined : 1,
      observedGeneration: 2,
    },
  });
  return [
    revision(
      '2',
      '6c5b4a3928',
      '9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
      '2026-11-19T10:00:00Z',
      'registry.example/checkout:1.14.2',
      'info',
      0,
    ),
    revision(
      '3',
      '7d9f8b6c5d',
      '0b8e7c6d-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
      '2026-11-26T02:10:00Z',
      'registry.example/checkout:1.15.0',
      'debug',
      3,
    ),
  ];
}

/** A Warning event about `object`, as the kubelet, the scheduler or a controller records it. */
export function warningEvent(
  object: { kind: string; name: string; namespace?: string; uid?: string },
  reason: string,
  message: string,
  options: { count?: number; at?: string } = {},
): CoreV1Event {
  const at = new Date(options.at ?? '2026-11-26T02:14:00Z');
  return {
    metadata: { name: `${object.name}.${reason.toLowerCase()}`, namespace: object.namespace ?? 'default' },
    involvedObject: { apiVersion: 'v1', ...object },
    reason,
    message,
    type: 'Warning',
    count: options.count ?? 1,
    firstTimestamp: at,
    lastTimestamp: at,
    source: { component: 'kubelet', host: NODE_NAME },
    reportingComponent: 'kubelet',
  };
}

/** A worker node: Ready, under memory pressure, NotReady (network plugin down) or unreachable. */
export function node(
  state: 'ready' | 'memory-pressure' | 'not-ready' | 'unreachable' = 'ready',
  overrides: { name?: string; taints?: V1Taint[]; unschedulable?: boolean } = {},
): V1Node {
  const heartbeat = new Date(state === 'unreachable' ? '2026-11-26T02:05:00Z' : '2026-11-26T02:19:30Z');
  const since = new Date(state === 'ready' ? '2026-11-02T08:00:00Z' : '2026-11-26T02:00:00Z');
  const pressure = (type: string, healthy: string, sick: string, message: string, on: boolean): V1NodeCondition =>
    state === 'unreachable'
      ? {
          type,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: new Date('2026-11-26T02:05:40Z'),
        }
      : {
          type,
          status: on ? 'True' : 'False',
          reason: on ? sick : healthy,
          message: on ? `kubelet has ${message}` : `kubelet has no ${message}`,
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: on ? since : new Date('2026-11-02T08:00:00Z'),
        };
  const ready: V1NodeCondition =
    state === 'unreachable'
      ? {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: new Date('2026-11-26T02:05:40Z'),
        }
      : state === 'not-ready'
        ? {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message:
              'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: since,
          }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: heartbeat,
            lastTransitionTime: new Date('2026-11-02T08:00:00Z'),
          };
  const taints: V1Taint[] =
    overrides.taints ??
    {
      ready: [],
      'memory-pressure': [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: since }],
      'not-ready': [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: since }],
      unreachable: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: new Date('2026-11-26T02:05:40Z') },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: new Date('2026-11-26T02:05:45Z') },
      ],
    }[state];
  const name = overrides.name ?? NODE_NAME;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `5d4c3b2a-${digitsOf(name)}-4e5f-8a9b-0c1d2e3f4a5b`,
      resourceVersion: '883990',
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.large',
        'topology.kubernetes.io/zone': 'eu-west-1a',
      },
      creationTimestamp: new Date('2026-11-02T07:58:00Z'),
    },
    spec: {
      providerID: 'aws:///eu-west-1a/i-0a1b2c3d4e5f67890',
      ...(taints.length === 0 ? {} : { taints }),
      ...(overrides.unschedulable === true ? { unschedulable: true } : {}),
    },
    status: {
      capacity: { cpu: '2', memory: '7936952Ki', pods: '29' },
      allocatable: { cpu: '1930m', memory: '7246776Ki', pods: '29' },
      conditions: [
        pressure(
          'MemoryPressure',
          'KubeletHasSufficientMemory',
          'KubeletHasInsufficientMemory',
          'insufficient memory available',
          state === 'memory-pressure',
        ),
        pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'KubeletHasDiskPressure', 'disk pressure', false),
        pressure('PIDPressure', 'KubeletHasSufficientPID', 'KubeletHasInsufficientPID', 'insufficient PID', false),
        ready,
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'b2c3d4e5',
        containerRuntimeVersion: 'containerd://1.7.22',
        kernelVersion: '6.1.112-124.190.amzn2023.x86_64',
        kubeProxyVersion: 'v1.31.2-eks-94953ac',
        kubeletVersion: 'v1.31.2-eks-94953ac',
        machineID: 'ec2a1b2c3d4e5f67890',
        operatingSystem: 'linux',
        osImage: 'Amazon Linux 2023.6.20241031',
        systemUUID: 'ec2a1b2c-3d4e-5f67-890a-bcdef0123456',
      },
    },
  };
}

/** The uid of `nightlyJob()`, which its pods name as their controller. */
export const NIGHTLY_JOB_UID = 'e7d6c5b4-a3f2-4e1d-9c8b-7a6f5e4d3c2b';

/**
 * Job nightly-report-29384756 of CronJob nightly-report: failed by its backoff limit (2), by its
 * deadline (1 h), by a pod failure policy, or still running (started 45 min before `now`).
 */
export function nightlyJob(
  state: 'backoff-limit' | 'deadline' | 'pod-failure-policy' | 'running' = 'backoff-limit',
): V1Job {
  const name = 'nightly-report-29384756';
  const labels = {
    'batch.kubernetes.io/controller-uid': NIGHTLY_JOB_UID,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': NIGHTLY_JOB_UID,
    'job-name': name,
  };
  const failure = {
    'backoff-limit': { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    deadline: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
    'pod-failure-policy': {
      reason: 'PodFailurePolicy',
      message:
        'Container report for pod reporting/nightly-report-29384756-7xk2p failed with exit code 42 matching FailJob rule at index 0',
    },
    running: undefined,
  }[state];
  const ended = new Date('2026-11-26T02:13:10Z');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'reporting',
      uid: NIGHTLY_JOB_UID,
      resourceVersion: '884512',
      generation: 1,
      labels,
      annotations: { 'batch.kubernetes.io/job-tracking': '' },
      creationTimestamp: new Date('2026-11-26T01:35:00Z'),
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: 'nightly-report',
          uid: '1f2e3d4c-5b6a-4978-8d9e-0f1a2b3c4d5e',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 2,
      completions: 1,
      parallelism: 1,
      completionMode: 'NonIndexed',
      suspend: false,
      ...(state === 'deadline' ? { activeDeadlineSeconds: 3600 } : {}),
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': NIGHTLY_JOB_UID } },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'report',
              image: 'registry.example/reports:2.3.1',
              resources: { limits: { memory: '512Mi' }, requests: { cpu: '200m', memory: '512Mi' } },
            },
          ],
        },
      },
    },
    status:
      failure === undefined
        ? {
            startTime: new Date('2026-11-26T01:35:00Z'),
            active: 1,
            ready: 0,
            terminating: 0,
            uncountedTerminatedPods: {},
          }
        : {
            startTime: new Date('2026-11-26T01:35:00Z'),
            failed: state === 'deadline' ? 1 : 3,
            terminating: 0,
            uncountedTerminatedPods: {},
            conditions: [
              { type: 'FailureTarget', status: 'True', ...failure, lastProbeTime: ended, lastTransitionTime: ended },
              { type: 'Failed', status: 'True', ...failure, lastProbeTime: ended, lastTransitionTime: ended },
            ],
          },
  };
}

/** A pod of `nightlyJob()`: failed (exit 1), OOM-killed, evicted, unschedulable or running. */
export function nightlyJobPod(
  ending: 'error' | 'oom-killed' | 'evicted' | 'unschedulable' | 'running',
  suffix = '7xk2p',
): V1Pod {
  const name = `nightly-report-29384756-${suffix}`;
  // A Job's pod that ended was running first; evicted and unschedulable pods report just that.
  const pod = podIn(ending === 'evicted' || ending === 'unschedulable' ? ending : 'healthy', {
    name,
    namespace: 'reporting',
    uid: `4b3a2918-${suffix}-4c5d-8e7f-6a5b4c3d2e1f`,
    labels: {
      'batch.kubernetes.io/controller-uid': NIGHTLY_JOB_UID,
      'batch.kubernetes.io/job-name': 'nightly-report-29384756',
      'controller-uid': NIGHTLY_JOB_UID,
      'job-name': 'nightly-report-29384756',
    },
    owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-report-29384756', uid: NIGHTLY_JOB_UID },
    container: 'report',
    image: 'registry.example/reports:2.3.1',
  });
  pod.spec!.restartPolicy = 'Never';
  pod.spec!.containers[0]!.resources = { limits: { memory: '512Mi' }, requests: { cpu: '200m', memory: '512Mi' } };
  delete pod.spec!.containers[0]!.ports;
  delete pod.spec!.containers[0]!.readinessProbe;
  if (ending === 'error' || ending === 'oom-killed') {
    const status = pod.status!.containerStatuses![0]!;
    pod.status!.phase = 'Failed';
    pod.status!.conditions = pod.status!.conditions?.map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodFailed' } : c,
    );
    status.ready = false;
    status.started = false;
    status.state = {
      terminated: {
        reason: ending === 'error' ? 'Error' : 'OOMKilled',
        exitCode: ending === 'error' ? 1 : 137,
        startedAt: new Date('2026-11-26T02:10:02Z'),
        finishedAt: new Date('2026-11-26T02:13:09Z'),
        containerID: 'containerd://7e1a93c0',
      },
    };
  }
  return pod;
}

/**
 * HPA web/storefront (2–10 replicas on 70 % CPU): pinned at its ceiling (the controller clamps
 * desiredReplicas to maxReplicas and says so in ScalingLimited), unable to read metrics, scaling
 * up, or idle within range.
 */
export function storefrontHpa(
  state: 'maxed-out' | 'metrics-unavailable' | 'scaling-up' | 'within-range' = 'maxed-out',
): V2HorizontalPodAutoscaler {
  const at = new Date('2026-11-26T01:58:00Z');
  const [current, desired] = (
    {
      'maxed-out': [10, 10],
      'metrics-unavailable': [2, 2],
      'scaling-up': [4, 6],
      'within-range': [4, 4],
    } as const
  )[state];
  const able =
    state === 'scaling-up'
      ? { reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 6' }
      : { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  const active =
    state === 'metrics-unavailable'
      ? {
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message:
            'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
        }
      : {
          status: 'True',
          reason: 'ValidMetricFound',
          message:
            'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
        };
  const limited =
    state === 'maxed-out'
      ? {
          status: 'True',
          reason: 'TooManyReplicas',
          message: 'the desired replica count is more than the maximum replica count',
        }
      : { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: 'storefront',
      namespace: 'web',
      uid: '8c7b6a59-4d3e-4f2a-9b1c-0d9e8f7a6b5c',
      resourceVersion: '884455',
      creationTimestamp: new Date('2026-09-14T12:00:00Z'),
    },
    spec: {
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'storefront' },
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
    status: {
      currentReplicas: current,
      desiredReplicas: desired,
      lastScaleTime: at,
      currentMetrics:
        state === 'metrics-unavailable'
          ? []
          : [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  current: { averageUtilization: state === 'within-range' ? 55 : 93, averageValue: '465m' },
                },
              },
            ],
      conditions: [
        { type: 'AbleToScale', status: 'True', ...able, lastTransitionTime: at },
        { type: 'ScalingActive', ...active, lastTransitionTime: at },
        { type: 'ScalingLimited', ...limited, lastTransitionTime: at },
      ],
    },
  };
}

/** PVC data/data-postgres-0 (100Gi, bound, of storage class gp3), as its StatefulSet claims it. */
export function postgresPvc(): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'data-postgres-0',
      namespace: 'data',
      uid: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
      resourceVersion: '702113',
      labels: { app: 'postgres' },
      annotations: {
        'pv.kubernetes.io/bind-completed': 'yes',
        'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com',
      },
      finalizers: ['kubernetes.io/pvc-protection'],
      creationTimestamp: new Date('2026-09-14T12:00:00Z'),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '100Gi' } },
      storageClassName: 'gp3',
      volumeMode: 'Filesystem',
      volumeName: 'pvc-2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
    },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '100Gi' } },
  };
}

/** The EBS CSI StorageClass gp3, expandable unless told otherwise. */
export function storageClass(name = 'gp3', allowVolumeExpansion = true): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, uid: `7f6e5d4c-${name.padEnd(4, '0').slice(0, 4)}-4b3a-8291-0f1e2d3c4b5a` },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: name },
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion,
  };
}

/** The uid of `postgresStatefulSet()`, which its pods name as their controller. */
export const POSTGRES_UID = '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';

/** StatefulSet data/postgres (3 replicas, RollingUpdate), all ready at revision postgres-7b5d9c8f6d unless told. */
export function postgresStatefulSet(
  overrides: { readyReplicas?: number; updateRevision?: string; updateStrategy?: V1StatefulSetUpdateStrategy } = {},
): V1StatefulSet {
  const ready = overrides.readyReplicas ?? 3;
  const updateRevision = overrides.updateRevision ?? 'postgres-7b5d9c8f6d';
  const updated = updateRevision === 'postgres-7b5d9c8f6d' ? 3 : 0;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'postgres',
      namespace: 'data',
      uid: POSTGRES_UID,
      resourceVersion: '884290',
      generation: updateRevision === 'postgres-7b5d9c8f6d' ? 4 : 5,
      creationTimestamp: new Date('2026-09-14T12:00:00Z'),
    },
    spec: {
      replicas: 3,
      serviceName: 'postgres',
      podManagementPolicy: 'OrderedReady',
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'postgres' } },
      updateStrategy: overrides.updateStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: {
        metadata: { labels: { app: 'postgres' } },
        spec: { containers: [{ name: 'postgres', image: 'registry.example/postgres:16.4' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'gp3',
            resources: { requests: { storage: '100Gi' } },
          },
        },
      ],
    },
    status: {
      observedGeneration: updateRevision === 'postgres-7b5d9c8f6d' ? 4 : 5,
      replicas: 3,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: 3,
      updatedReplicas: updated,
      currentRevision: 'postgres-7b5d9c8f6d',
      updateRevision,
      collisionCount: 0,
    },
  };
}

/** Ordinal `ordinal` of postgres in `state`. */
export function postgresPod(ordinal: number, state: PodState): V1Pod {
  const name = `postgres-${ordinal}`;
  return podIn(state, {
    name,
    namespace: 'data',
    uid: `6a5b4c3d-000${ordinal}-4e2f-8a1b-9c8d7e6f5a4b`,
    labels: {
      app: 'postgres',
      'apps.kubernetes.io/pod-index': String(ordinal),
      'controller-revision-hash': 'postgres-7b5d9c8f6d',
      'statefulset.kubernetes.io/pod-name': name,
    },
    owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', uid: POSTGRES_UID },
    container: 'postgres',
    image: 'registry.example/postgres:16.4',
  });
}

/** DaemonSet monitoring/node-exporter, on every one of 3 nodes and ready unless told. */
export function nodeExporterDaemonSet(
  overrides: { numberReady?: number; numberMisscheduled?: number; tolerations?: V1Toleration[] } = {},
): V1DaemonSet {
  const ready = overrides.numberReady ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'node-exporter',
      namespace: 'monitoring',
      uid: 'd1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a',
      resourceVersion: '884020',
      generation: 2,
      annotations: { 'deprecated.daemonset.template.generation': '2' },
      creationTimestamp: new Date('2026-09-01T09:00:00Z'),
    },
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'node-exporter' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'node-exporter' } },
        spec: {
          hostNetwork: true,
          containers: [{ name: 'node-exporter', image: 'quay.example/prometheus/node-exporter:v1.8.2' }],
          ...(overrides.tolerations === undefined ? {} : { tolerations: overrides.tolerations }),
        },
      },
    },
    status: {
      observedGeneration: 2,
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberReady: ready,
      numberAvailable: ready,
      ...(ready < 3 ? { numberUnavailable: 3 - ready } : {}),
      numberMisscheduled: overrides.numberMisscheduled ?? 0,
    },
  };
}

/** node-exporter's pod on `nodeName`, in `state`. */
export function nodeExporterPod(nodeName: string, state: PodState): V1Pod {
  return podIn(state, {
    name: `node-exporter-${digitsOf(nodeName)}`,
    namespace: 'monitoring',
    uid: `0f1e2d3c-${digitsOf(nodeName)}-4a5b-8c7d-6e5f4a3b2c1d`,
    labels: {
      'app.kubernetes.io/name': 'node-exporter',
      'controller-revision-hash': '6b8f9d7c4',
      'pod-template-generation': '2',
    },
    owner: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      name: 'node-exporter',
      uid: 'd1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a',
    },
    nodeName,
    container: 'node-exporter',
    image: 'quay.example/prometheus/node-exporter:v1.8.2',
  });
}

/** PDB payments/checkout (minAvailable 2 of checkout's 3 pods), one healthy pod short unless told. */
export function checkoutPdb(status: Partial<V1PodDisruptionBudgetStatus> = {}): V1PodDisruptionBudget {
  const merged = {
    currentHealthy: 1,
    desiredHealthy: 2,
    expectedPods: 3,
    disruptionsAllowed: 0,
    observedGeneration: 1,
    ...status,
  };
  const allowed = merged.disruptionsAllowed > 0;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: 'checkout',
      namespace: 'payments',
      uid: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
      resourceVersion: '884380',
      generation: 1,
      creationTimestamp: new Date('2026-10-02T09:00:00Z'),
    },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'checkout' } } },
    status: {
      ...merged,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: allowed ? 'True' : 'False',
          reason: allowed ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: new Date('2026-11-26T02:11:00Z'),
        },
      ],
    },
  };
}

/** ResourceQuota team-a/compute: its memory requests used up (8192Mi of 8Gi) unless `used` says otherwise. */
export function computeQuota(used: Record<string, string> = {}): V1ResourceQuota {
  const hard = { pods: '20', 'requests.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi' };
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      name: 'compute',
      namespace: 'team-a',
      uid: 'c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f',
      resourceVersion: '884401',
      creationTimestamp: new Date('2026-08-20T10:00:00Z'),
    },
    spec: { hard },
    status: {
      hard,
      used: { pods: '7', 'requests.cpu': '3500m', 'requests.memory': '8192Mi', 'limits.memory': '14Gi', ...used },
    },
  };
}
