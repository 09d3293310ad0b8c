import type {
  KubernetesObject,
  V1DaemonSet,
  V1Deployment,
  V1Node,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { admin, applyYaml, createUnmanagedNode, until } from './cluster.ts';
import type { KubeletSample } from './monitoring.ts';

/**
 * The broken (and healthy) workloads of the scenario suite (tests/e2e/scenarios.test.ts), each in
 * a namespace of its own, on the test control plane. A scene is built as a user's cluster would
 * get there — objects applied, controllers and kwok (the kubelet) acting — and is `settled` before
 * monitoring starts, so that the mixin's `changes(…[10m]) == 0` conditions see a scene that
 * stopped moving, as they would fifteen minutes into a real incident.
 *
 * Every node a scene adds carries the taint `kubemend.test/scenario` (only the scene's pods
 * tolerate it), so that no other suite's pods land there.
 */
export interface Scene {
  /** Namespace prefix and the scene's name in the report. */
  name: string;
  /** What is broken, in words. */
  what: string;
  /** Nodes it needs, created (tainted as above) before `build`. */
  nodes?: readonly SceneNode[];
  build(ns: string, ctx: SceneContext): Promise<void>;
  /** Resolves once the scene stopped changing. */
  settled(ns: string, ctx: SceneContext): Promise<void>;
  /** What the kubelet stand-in reports for this scene (volume stats, CFS counters). */
  kubelet?(ns: string, secondsSinceStart: number): KubeletSample[];
}

export interface SceneNode {
  /** Suffix; the node is `<scene>-<suffix>-<run>`. */
  suffix: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  /** No kwok kubelet: its status is what the scene writes (see createUnmanagedNode). */
  unmanaged?: { type: string; status: 'True' | 'False'; reason: string; message: string }[];
}

export interface SceneContext {
  /** The real name of the scene's node with this suffix. */
  node(suffix: string): string;
  /** The metrics API stand-in's usage per container in a namespace. */
  setUsage(namespace: string, usage: Record<string, string>): void;
}

export const SCENE_TAINT = { key: 'kubemend.test/scenario', value: 'e2e', effect: 'NoSchedule' } as const;
const TOLERATE_SCENES = `[{ key: kubemend.test/scenario, operator: Exists }]`;

const apps = () => admin().apps;
const core = () => admin().core;

/** The entries of a YAML flow mapping, values quoted: `a: '1', b: '2'`. */
function flowMap(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${key}: '${value}'`)
    .join(', ');
}

function deployment(
  ns: string,
  name: string,
  options: {
    replicas?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resources?: string;
    spec?: string;
    image?: string;
  } = {},
): string {
  const labels = flowMap({ app: name, ...options.labels });
  const annotations = flowMap(options.annotations ?? {});
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  replicas: ${options.replicas ?? 2}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { ${labels} }, annotations: { ${annotations} } }
    spec:
      ${options.spec ?? ''}
      containers:
        - name: app
          image: ${options.image ?? `registry.example/${name}:1.0`}
          ${options.resources ?? ''}
`;
}

async function podsOf(ns: string, selector: string): Promise<V1Pod[]> {
  return (await core().listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
}

async function podsSettled(ns: string, selector: string, count: number, ok: (pod: V1Pod) => boolean): Promise<void> {
  await until(
    `${count} pods ${selector} in ${ns}`,
    () => podsOf(ns, selector),
    (pods) => pods.length === count && pods.every(ok),
    90_000,
  );
}

const waitingFor = (reason: string) => (pod: V1Pod) =>
  (pod.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === reason);
const running = (pod: V1Pod) => pod.status?.phase === 'Running';
const ready = (pod: V1Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function deploymentSettled(ns: string, name: string, done: (d: V1Deployment) => boolean): Promise<void> {
  await until(
    `deployment ${ns}/${name}`,
    () => apps().readNamespacedDeployment({ namespace: ns, name }),
    (d) => d.status?.observedGeneration === d.metadata?.generation && done(d),
    120_000,
  );
}

const CRASH = { 'kubemend.test/crash-loop': 'true' };

/** The running pods a selector picks start crash looping (kwok reads the label while they run). */
async function crashPods(ns: string, selector: string): Promise<void> {
  for (const pod of await podsOf(ns, selector)) {
    await core().patchNamespacedPod(
      { namespace: ns, name: pod.metadata!.name!, body: { metadata: { labels: CRASH, annotations: EXIT_1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }
}
const EXIT_1 = { 'kubemend.test/exit-code': '1', 'kubemend.test/exit-reason': 'Error' };

export const SCENES: readonly Scene[] = [
  {
    name: 'crash-loop',
    what: 'a fully rolled-out Deployment whose pods then start crashing (exit 1)',
    build: async (ns) => {
      await applyYaml(deployment(ns, 'web'));
      await deploymentSettled(ns, 'web', (d) => d.status?.availableReplicas === 2);
      await crashPods(ns, 'app=web');
    },
    settled: (ns) => podsSettled(ns, 'app=web', 2, waitingFor('CrashLoopBackOff')),
  },
  {
    name: 'first-revision',
    what: 'a new Deployment whose first revision crashes (nothing to roll back to)',
    build: (ns) => applyYaml(deployment(ns, 'billing', { labels: CRASH, annotations: EXIT_1 })),
    settled: (ns) => podsSettled(ns, 'app=billing', 2, waitingFor('CrashLoopBackOff')),
  },
  {
    name: 'oom',
    what: 'a Deployment whose container is killed at its 64Mi memory limit',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'cache', {
          replicas: 1,
          labels: CRASH,
          annotations: { 'kubemend.test/exit-code': '137', 'kubemend.test/exit-reason': 'OOMKilled' },
          resources: 'resources: { requests: { memory: 64Mi }, limits: { memory: 64Mi } }',
        }),
      ),
    settled: (ns) => podsSettled(ns, 'app=cache', 1, waitingFor('CrashLoopBackOff')),
  },
  {
    name: 'bad-image',
    what: 'a Deployment whose image cannot be pulled',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'api', {
          replicas: 1,
          labels: { 'kubemend.test/waiting-reason': 'ImagePullBackOff' },
          annotations: {
            'kubemend.test/waiting-message': 'Back-off pulling image "registry.example/api:9.9-typo"',
          },
          image: 'registry.example/api:9.9-typo',
        }),
      ),
    settled: (ns) => podsSettled(ns, 'app=api', 1, waitingFor('ImagePullBackOff')),
  },
  {
    name: 'config-error',
    what: 'a Deployment whose container refers to a ConfigMap that does not exist',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'worker', {
          replicas: 1,
          labels: { 'kubemend.test/waiting-reason': 'CreateContainerConfigError' },
          annotations: { 'kubemend.test/waiting-message': 'configmap "worker-settings" not found' },
        }),
      ),
    settled: (ns) => podsSettled(ns, 'app=worker', 1, waitingFor('CreateContainerConfigError')),
  },
  {
    name: 'bad-rollout',
    what: 'a healthy Deployment rolled out to a new image whose pod crashes; the rollout passes its deadline',
    build: async (ns) => {
      await applyYaml(
        deployment(ns, 'shop', {
          spec: 'terminationGracePeriodSeconds: 0',
          image: 'registry.example/shop:1.0',
        }).replace(
          'spec:\n  replicas: 2',
          'spec:\n  replicas: 2\n  progressDeadlineSeconds: 10\n  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }',
        ),
      );
      await deploymentSettled(ns, 'shop', (d) => d.status?.availableReplicas === 2);
      await apps().patchNamespacedDeployment(
        {
          namespace: ns,
          name: 'shop',
          body: {
            spec: {
              template: {
                metadata: { labels: CRASH, annotations: EXIT_1 },
                spec: { containers: [{ name: 'app', image: 'registry.example/shop:1.1' }] },
              },
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    },
    settled: (ns) =>
      deploymentSettled(ns, 'shop', (d) =>
        (d.status?.conditions ?? []).some((c) => c.type === 'Progressing' && c.status === 'False'),
      ),
  },
  {
    name: 'probe',
    what: 'a Deployment whose pods run but never pass their readiness probe',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'search', { replicas: 1, labels: { 'kubemend.test/unready': 'true' } }).replace(
          '          image:',
          '          readinessProbe: { httpGet: { path: /ready, port: 8080 } }\n          image:',
        ),
      ),
    settled: (ns) => podsSettled(ns, 'app=search', 1, (p) => running(p) && !ready(p)),
  },
  {
    name: 'unschedulable',
    what: 'a Deployment whose pods select a node label no node has',
    build: (ns) => applyYaml(deployment(ns, 'gpu', { replicas: 1, spec: 'nodeSelector: { disktype: nvme }' })),
    settled: (ns) =>
      podsSettled(ns, 'app=gpu', 1, (p) =>
        (p.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
      ),
  },
  {
    name: 'bare-pod',
    what: 'a pod with no controller, crash looping',
    build: (ns) =>
      applyYaml(`
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: ${ns}
  labels: { app: debug, kubemend.test/crash-loop: 'true' }
  annotations: { kubemend.test/exit-code: '1' }
spec: { containers: [{ name: app, image: registry.example/debug:1.0 }] }
`),
    settled: (ns) => podsSettled(ns, 'app=debug', 1, waitingFor('CrashLoopBackOff')),
  },
  {
    name: 'job-failed',
    what: 'a Job whose only pod exits 2 (backoffLimit 0)',
    build: (ns) =>
      applyYaml(`
apiVersion: batch/v1
kind: Job
metadata: { name: report, namespace: ${ns} }
spec:
  backoffLimit: 0
  template:
    metadata:
      labels: { kubemend.test/fail: 'true' }
      annotations: { kubemend.test/exit-code: '2', kubemend.test/exit-reason: Error }
    spec: { restartPolicy: Never, containers: [{ name: report, image: registry.example/report:1.0 }] }
`),
    settled: (ns) =>
      until(
        `job ${ns}/report to fail`,
        () =>
          admin().objects.read<KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } }>({
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'report', namespace: ns },
          }),
        (job) => (job.status?.conditions ?? []).some((c) => c.type === 'Failed' && c.status === 'True'),
        60_000,
      ).then(() => undefined),
  },
  {
    name: 'job-slow',
    what: 'a Job still running past its time (kube-prometheus: 12 h; here 30 s)',
    build: (ns) =>
      applyYaml(`
apiVersion: batch/v1
kind: Job
metadata: { name: backfill, namespace: ${ns} }
spec:
  template:
    spec: { restartPolicy: Never, containers: [{ name: backfill, image: registry.example/backfill:1.0 }] }
`),
    settled: (ns) => podsSettled(ns, 'job-name=backfill', 1, running),
  },
  {
    name: 'hpa-max',
    what: 'an HPA at its maximum of 2 replicas with CPU use far above target',
    build: async (ns, ctx) => {
      ctx.setUsage(ns, { cpu: '450m' });
      await applyYaml(
        deployment(ns, 'frontend', { replicas: 1, resources: 'resources: { requests: { cpu: 100m } }' }) +
          cpuHpa(ns, 'frontend', { min: 1, max: 2, utilization: 50 }),
      );
    },
    settled: (ns) =>
      until(
        `HPA ${ns}/frontend at its maximum`,
        () =>
          admin().objects.read<KubernetesObject & { status?: { currentReplicas?: number } }>({
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'frontend', namespace: ns },
          }),
        (hpa) => hpa.status?.currentReplicas === 2,
        90_000,
      ).then(() => podsSettled(ns, 'app=frontend', 2, ready)),
  },
  {
    name: 'sts-ordinal',
    what: 'a StatefulSet scaled to 3 while db-1 crash loops: db-2 waits behind it (OrderedReady)',
    build: async (ns) => {
      await applyYaml(statefulSet(ns, 'db', 2));
      await podsSettled(ns, 'app=db', 2, ready);
      await crashPods(ns, 'statefulset.kubernetes.io/pod-name=db-1');
      await podsSettled(ns, 'app=db,kubemend.test/crash-loop=true', 1, waitingFor('CrashLoopBackOff'));
      await apps().patchNamespacedStatefulSet(
        { namespace: ns, name: 'db', body: { spec: { replicas: 3 } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    },
    settled: (ns) =>
      until(
        `statefulset ${ns}/db to observe the scale`,
        () => apps().readNamespacedStatefulSet({ namespace: ns, name: 'db' }),
        (s: V1StatefulSet) => s.status?.observedGeneration === s.metadata?.generation && s.status?.readyReplicas === 1,
        60_000,
      ).then(() => undefined),
  },
  {
    name: 'sts-refused',
    what: 'a StatefulSet whose pods Pod Security refuses (hostNetwork in a restricted namespace)',
    build: async (ns) => {
      await restrictPods(ns);
      await applyYaml(
        statefulSet(ns, 'cache', 2).replace(
          'spec: { terminationGracePeriodSeconds: 0,',
          'spec: { hostNetwork: true, terminationGracePeriodSeconds: 0,',
        ),
      );
    },
    settled: (ns) => failedCreateReported(ns, 'cache'),
  },
  {
    name: 'sts-partition',
    what: 'a StatefulSet update held back by a partition (no pod updated)',
    build: async (ns) => {
      await applyYaml(
        statefulSet(ns, 'queue', 2).replace(
          'spec:\n  replicas',
          'spec:\n  updateStrategy: { type: RollingUpdate, rollingUpdate: { partition: 2 } }\n  replicas',
        ),
      );
      await podsSettled(ns, 'app=queue', 2, ready);
      await apps().patchNamespacedStatefulSet(
        {
          namespace: ns,
          name: 'queue',
          body: {
            spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example/queue:2.0' }] } } },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    },
    settled: (ns) =>
      until(
        `statefulset ${ns}/queue to see the new revision`,
        () => apps().readNamespacedStatefulSet({ namespace: ns, name: 'queue' }),
        (s) =>
          s.status?.observedGeneration === s.metadata?.generation &&
          s.status?.updateRevision !== undefined &&
          s.status.updateRevision !== s.status.currentRevision,
        60_000,
      ).then(() => undefined),
  },
  {
    name: 'ds-refused',
    what: 'a DaemonSet whose pods Pod Security refuses (hostNetwork in a restricted namespace); another, tainted node it does not target',
    nodes: [
      { suffix: 'target', labels: { 'kubemend.test/pool': 'ds-refused' } },
      { suffix: 'other', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    ],
    build: async (ns) => {
      await restrictPods(ns);
      await applyYaml(daemonSet(ns, 'node-agent', 'ds-refused', 'hostNetwork: true'));
    },
    settled: (ns) =>
      failedCreateReported(ns, 'node-agent').then(() =>
        daemonSetSettled(ns, 'node-agent', (d) => d.status?.desiredNumberScheduled === 1),
      ),
  },
  {
    name: 'ds-misscheduled',
    what: 'a DaemonSet pod left on a node that got a NoSchedule taint the DaemonSet does not tolerate',
    nodes: [{ suffix: 'a', labels: { 'kubemend.test/pool': 'ds-misscheduled' } }],
    build: async (ns, ctx) => {
      await applyYaml(daemonSet(ns, 'log-shipper', 'ds-misscheduled'));
      await podsSettled(ns, 'app=log-shipper', 1, ready);
      const node = await core().readNode({ name: ctx.node('a') });
      await core().patchNode(
        {
          name: ctx.node('a'),
          body: {
            spec: { taints: [...(node.spec?.taints ?? []), { key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      // The DaemonSet controller does not resync on a NoSchedule taint alone (it keeps the pod);
      // anything that touches the DaemonSet makes it count the pod as misscheduled.
      await apps().patchNamespacedDaemonSet(
        {
          namespace: ns,
          name: 'log-shipper',
          body: { metadata: { annotations: { 'kubemend.test/touched': 'true' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    settled: (ns) => daemonSetSettled(ns, 'log-shipper', (d) => d.status?.numberMisscheduled === 1),
  },
  {
    name: 'ds-crash',
    what: 'a DaemonSet whose pod crash loops on the one node it targets',
    nodes: [{ suffix: 'a', labels: { 'kubemend.test/pool': 'ds-crash' } }],
    build: (ns) => applyYaml(daemonSet(ns, 'metrics-agent', 'ds-crash', '', { labels: CRASH, annotations: EXIT_1 })),
    settled: (ns) => podsSettled(ns, 'app=metrics-agent', 1, waitingFor('CrashLoopBackOff')),
  },
  {
    name: 'lost-node',
    what: "a node whose kubelet stopped (status Unknown, unreachable taints) under a Deployment's two pods",
    nodes: [{ suffix: 'n', labels: { 'kubemend.test/pool': 'lost-node' } }],
    build: async (ns, ctx) => {
      await applyYaml(
        deployment(ns, 'payments', {
          spec: `nodeSelector: { kubemend.test/pool: lost-node }
      tolerations:
        - { key: kubemend.test/scenario, operator: Exists }
        - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 3600 }
        - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 3600 }`,
        }),
      );
      await podsSettled(ns, 'app=payments', 2, ready);
      await loseNode(ctx.node('n'));
    },
    settled: (ns, ctx) =>
      until(
        `node ${ctx.node('n')} lost, its pods marked not ready`,
        async () => ({ node: await core().readNode({ name: ctx.node('n') }), pods: await podsOf(ns, 'app=payments') }),
        ({ node, pods }: { node: V1Node; pods: V1Pod[] }) =>
          (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'Unknown') &&
          (node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable') &&
          pods.length === 2 &&
          pods.every((p) => !ready(p)),
        150_000,
      ).then(() => undefined),
  },
  {
    name: 'node-pressure',
    what: 'a node reporting MemoryPressure while Ready',
    nodes: [
      {
        suffix: 'p',
        unmanaged: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
          {
            type: 'MemoryPressure',
            status: 'True',
            reason: 'KubeletHasInsufficientMemory',
            message: 'kubelet has insufficient memory available',
          },
        ],
      },
    ],
    build: async () => undefined,
    settled: async () => undefined,
  },
  {
    name: 'quota-pods',
    what: 'a ResourceQuota of 2 pods, both used',
    build: async (ns) => {
      await applyYaml(quota(ns, 'pods', `pods: '2'`));
      await applyYaml(deployment(ns, 'api', { replicas: 2 }));
    },
    settled: (ns) => quotaSettled(ns, 'pods', (used) => used.pods === '2'),
  },
  {
    name: 'quota-pvc',
    what: 'a ResourceQuota of 1 PersistentVolumeClaim, used (no pod involved)',
    build: async (ns) => {
      await applyYaml(quota(ns, 'storage', `persistentvolumeclaims: '1'`));
      await applyYaml(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } }, storageClassName: none }
`);
    },
    settled: (ns) => quotaSettled(ns, 'storage', (used) => used.persistentvolumeclaims === '1'),
  },
  {
    name: 'quota-almost',
    what: 'a ResourceQuota of 1 CPU requested, 950m used',
    build: async (ns) => {
      await applyYaml(quota(ns, 'compute', `requests.cpu: '1'`));
      await applyYaml(deployment(ns, 'batch', { replicas: 1, resources: 'resources: { requests: { cpu: 950m } }' }));
    },
    settled: (ns) => quotaSettled(ns, 'compute', (used) => used['requests.cpu'] === '950m'),
  },
  {
    name: 'quota-over',
    what: 'a ResourceQuota of 1 pod created after 2 pods ran (used above hard)',
    build: async (ns) => {
      await applyYaml(deployment(ns, 'api', { replicas: 2 }));
      await podsSettled(ns, 'app=api', 2, ready);
      await applyYaml(quota(ns, 'pods', `pods: '1'`));
    },
    settled: (ns) => quotaSettled(ns, 'pods', (used) => used.pods === '2'),
  },
  {
    name: 'quota-blocks-rollout',
    what: 'a Deployment of 3 whose third pod a ResourceQuota of 2 pods refuses (its ReplicaSet cannot create it)',
    build: async (ns) => {
      await applyYaml(quota(ns, 'pods', `pods: '2'`));
      await applyYaml(deployment(ns, 'orders', { replicas: 3 }));
    },
    settled: (ns) =>
      deploymentSettled(ns, 'orders', (d) =>
        (d.status?.conditions ?? []).some((c) => c.type === 'ReplicaFailure' && c.status === 'True'),
      ).then(() => podsSettled(ns, 'app=orders', 2, ready)),
  },
  {
    name: 'pdb',
    what: 'a PodDisruptionBudget (minAvailable 1) over two pods that are never ready',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'ledger', { labels: { 'kubemend.test/unready': 'true' } }) +
          `
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: ledger, namespace: ${ns} }
spec: { minAvailable: 1, selector: { matchLabels: { app: ledger } } }
`,
      ),
    settled: (ns) =>
      until(
        `PDB ${ns}/ledger to count its pods`,
        () =>
          admin().objects.read<KubernetesObject & { status?: { expectedPods?: number; currentHealthy?: number } }>({
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'ledger', namespace: ns },
          }),
        (pdb) => pdb.status?.expectedPods === 2 && pdb.status.currentHealthy === 0,
        60_000,
      ).then(() => undefined),
  },
  {
    name: 'volume-full',
    what: 'a bound 10Gi volume of an expandable class, 99% used',
    build: (ns) => boundClaim(ns, 'data', true),
    settled: (ns) => claimBound(ns, 'data'),
    kubelet: (ns) => volumeStats(ns, 'data', { availableShare: 0.01 }),
  },
  {
    name: 'inodes-full',
    what: 'a bound volume with 1% of its inodes free (bytes plentiful)',
    build: (ns) => boundClaim(ns, 'index', true),
    settled: (ns) => claimBound(ns, 'index'),
    kubelet: (ns) => volumeStats(ns, 'index', { availableShare: 0.6, inodesFreeShare: 0.01 }),
  },
  {
    name: 'throttled',
    what: 'a container throttled in 60% of its CFS periods at a 200m CPU limit',
    build: (ns) =>
      applyYaml(
        deployment(ns, 'render', {
          replicas: 1,
          resources: 'resources: { requests: { cpu: 100m }, limits: { cpu: 200m } }',
        }),
      ),
    settled: (ns) => podsSettled(ns, 'app=render', 1, ready),
    kubelet: (ns, seconds) => cfsCounters(ns, 'app=render', seconds),
  },
  {
    name: 'healthy',
    what: 'control: a Deployment, a StatefulSet, a DaemonSet, an HPA within bounds, a quota at half, a satisfied PDB, a half-full volume',
    nodes: [{ suffix: 'a', labels: { 'kubemend.test/pool': 'healthy' } }],
    build: async (ns, ctx) => {
      ctx.setUsage(ns, { cpu: '20m' });
      await applyYaml(quota(ns, 'compute', `pods: '20'`));
      await applyYaml(
        deployment(ns, 'site', { resources: 'resources: { requests: { cpu: 100m } }' }) +
          cpuHpa(ns, 'site', { min: 2, max: 4, utilization: 80 }) +
          `
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: site, namespace: ${ns} }
spec: { minAvailable: 1, selector: { matchLabels: { app: site } } }
`,
      );
      await applyYaml(statefulSet(ns, 'kv', 2));
      await applyYaml(daemonSet(ns, 'agent', 'healthy'));
      await boundClaim(ns, 'cache', true);
    },
    settled: async (ns) => {
      await podsSettled(ns, 'app=site', 2, ready);
      await podsSettled(ns, 'app=kv', 2, ready);
      await podsSettled(ns, 'app=agent', 1, ready);
      await claimBound(ns, 'cache');
      await quotaSettled(ns, 'compute', (used) => used.pods === '5');
    },
    kubelet: (ns) => volumeStats(ns, 'cache', { availableShare: 0.5 }),
  },
];

/** An autoscaling/v2 HPA of Deployment `name` on CPU utilisation of its requests (a YAML document). */
function cpuHpa(ns: string, name: string, hpa: { min: number; max: number; utilization: number }): string {
  return `
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}, namespace: ${ns} }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  minReplicas: ${hpa.min}
  maxReplicas: ${hpa.max}
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: ${hpa.utilization} } } }]
`;
}

/** Pod Security admission enforces the restricted level in the namespace. */
async function restrictPods(ns: string): Promise<void> {
  await core().patchNamespace(
    { name: ns, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

/** Resolves once the controller of `name` reported a refused pod (FailedCreate). */
async function failedCreateReported(ns: string, name: string): Promise<void> {
  await until(
    `FailedCreate events of ${ns}/${name}`,
    () => core().listNamespacedEvent({ namespace: ns }),
    (events) => events.items.some((e) => e.reason === 'FailedCreate' && e.involvedObject.name === name),
    60_000,
  );
}

function statefulSet(ns: string, name: string, replicas: number): string {
  return `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name}, namespace: ${ns} }
spec:
  replicas: ${replicas}
  serviceName: ${name}
  podManagementPolicy: OrderedReady
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: app, image: registry.example/${name}:1.0 }] }
`;
}

function daemonSet(
  ns: string,
  name: string,
  pool: string,
  spec = '',
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): string {
  const labels = flowMap({ app: name, ...meta.labels });
  const annotations = flowMap(meta.annotations ?? {});
  return `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { ${labels} }, annotations: { ${annotations} } }
    spec:
      nodeSelector: { kubemend.test/pool: ${pool} }
      tolerations: ${TOLERATE_SCENES}
      ${spec}
      containers: [{ name: agent, image: registry.example/${name}:1.0 }]
`;
}

async function daemonSetSettled(ns: string, name: string, done: (d: V1DaemonSet) => boolean): Promise<void> {
  await until(
    `daemonset ${ns}/${name}`,
    () => apps().readNamespacedDaemonSet({ namespace: ns, name }),
    (d) => d.status?.observedGeneration === d.metadata?.generation && done(d),
    60_000,
  );
}

function quota(ns: string, name: string, hard: string): string {
  return `
apiVersion: v1
kind: ResourceQuota
metadata: { name: ${name}, namespace: ${ns} }
spec: { hard: { ${hard} } }
`;
}

async function quotaSettled(ns: string, name: string, done: (used: Record<string, string>) => boolean): Promise<void> {
  await until(
    `quota ${ns}/${name} to count`,
    () => core().readNamespacedResourceQuota({ namespace: ns, name }),
    (q) => done(q.status?.used ?? {}),
    60_000,
  );
}

/** A 10Gi claim pre-bound to a volume of its own (the CSI driver has no controller here). */
async function boundClaim(ns: string, name: string, expandable: boolean): Promise<void> {
  const className = `scene-${expandable ? 'expandable' : 'fixed'}`;
  await applyYaml(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: ${className} }
provisioner: ebs.csi.aws.com
allowVolumeExpansion: ${expandable}
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: pv-${ns}-${name} }
spec:
  capacity: { storage: 10Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: ${className}
  csi: { driver: ebs.csi.aws.com, volumeHandle: vol-${ns}-${name} }
  claimRef: { namespace: ${ns}, name: ${name} }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name}, namespace: ${ns} }
spec:
  storageClassName: ${className}
  volumeName: pv-${ns}-${name}
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 10Gi } }
`);
}

async function claimBound(ns: string, name: string): Promise<void> {
  await until(
    `claim ${ns}/${name} to bind`,
    () => core().readNamespacedPersistentVolumeClaim({ namespace: ns, name }),
    (pvc) => pvc.status?.phase === 'Bound',
    60_000,
  );
}

const GI = 1024 ** 3;

/** The kubelet's volume statistics for a 10Gi claim, as its /metrics reports them. */
function volumeStats(
  ns: string,
  claim: string,
  options: { availableShare: number; inodesFreeShare?: number },
): KubeletSample[] {
  const labels = { namespace: ns, persistentvolumeclaim: claim, node: 'kwok-node-0' };
  const capacity = 10 * GI;
  const inodes = 655_360;
  const inodesFree = Math.round(inodes * (options.inodesFreeShare ?? 0.9));
  return [
    { metric: 'kubelet_volume_stats_capacity_bytes', labels, value: capacity },
    { metric: 'kubelet_volume_stats_available_bytes', labels, value: Math.round(capacity * options.availableShare) },
    { metric: 'kubelet_volume_stats_used_bytes', labels, value: Math.round(capacity * (1 - options.availableShare)) },
    { metric: 'kubelet_volume_stats_inodes', labels, value: inodes },
    { metric: 'kubelet_volume_stats_inodes_free', labels, value: inodesFree },
    { metric: 'kubelet_volume_stats_inodes_used', labels, value: inodes - inodesFree },
  ];
}

/** Pod names per namespace and selector, cached once the scene settled (counters need a name). */
const podNames = new Map<string, string>();

export async function rememberPods(ns: string, selector: string): Promise<void> {
  const [pod] = await podsOf(ns, selector);
  if (pod?.metadata?.name !== undefined) podNames.set(`${ns}/${selector}`, pod.metadata.name);
}

/**
 * cAdvisor's CFS counters for the container: ten periods a second, 60% of them throttled. They
 * move together in steps of 5 periods and 3 throttled, so that any two scrapes see exactly 60%
 * (rounding each counter on its own made Prometheus compute 59.32% over a short window).
 */
function cfsCounters(ns: string, selector: string, seconds: number): KubeletSample[] {
  const pod = podNames.get(`${ns}/${selector}`);
  if (pod === undefined) return [];
  const labels = { namespace: ns, pod, container: 'app', node: 'kwok-node-0' };
  const steps = Math.floor(seconds * 2);
  return [
    { metric: 'container_cpu_cfs_periods_total', labels, value: steps * 5 },
    { metric: 'container_cpu_cfs_throttled_periods_total', labels, value: steps * 3 },
  ];
}

/**
 * The kubelet of `node` stops: kwok leaves its status alone (kubemend.test/unmanaged) and the
 * node's Lease can no longer be renewed (a ValidatingAdmissionPolicy refuses the update), so the
 * node lifecycle controller marks it Unknown, taints it unreachable and marks its pods not Ready,
 * as it would for a node that lost power.
 */
async function loseNode(node: string): Promise<void> {
  await applyYaml(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: kubemend-test-lost-nodes }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - { apiGroups: [coordination.k8s.io], apiVersions: ['*'], operations: [UPDATE], resources: [leases] }
  matchConditions:
    - name: lost-node-lease
      expression: "object.metadata.namespace == 'kube-node-lease' && object.metadata.name.startsWith('lost-node-')"
  validations:
    - { expression: 'false', message: the kubelet of this node is gone (kubemend test) }
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: kubemend-test-lost-nodes }
spec: { policyName: kubemend-test-lost-nodes, validationActions: [Deny] }
`);
  await core().patchNode(
    { name: node, body: { metadata: { labels: { 'kubemend.test/unmanaged': 'true' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Creates a scene's nodes: kwok plays their kubelet, unless the scene writes their status. */
export async function createSceneNodes(scene: Scene, run: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const node of scene.nodes ?? []) {
    const name = `${scene.name}-${node.suffix}-${run}`;
    names.set(node.suffix, name);
    const labels = { 'kubernetes.io/hostname': name, type: 'kwok', ...node.labels };
    const taints = [SCENE_TAINT, ...(node.taints ?? [])];
    if (node.unmanaged !== undefined) {
      await createUnmanagedNode(name, node.unmanaged, { labels, taints });
    } else {
      await core().createNode({ body: { metadata: { name, labels }, spec: { taints } } });
    }
  }
  return names;
}

export async function deleteSceneNodes(names: Iterable<string>): Promise<void> {
  for (const name of names)
    await core()
      .deleteNode({ name })
      .catch(() => undefined);
  for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) {
    await admin()
      .objects.delete({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind,
        metadata: { name: 'kubemend-test-lost-nodes' },
      })
      .catch(() => undefined);
  }
}
