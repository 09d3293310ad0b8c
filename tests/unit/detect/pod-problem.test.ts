import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import { diagnosePodProblem, podProblemAudit } from '../../../lib/detect/pod-problem.ts';
import type { PodSnapshot } from '../../../lib/detect/pod-snapshot.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import {
  checkoutPod,
  checkoutReplicaSets,
  deployment,
  nightlyJobPod,
  node,
  nodeExporterPod,
  podIn,
  postgresPod,
  warningEvent,
} from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** What observePod reads for a pod of checkout's newest revision, for an alert that began at 02:14:05. */
function snapshot(pod: V1Pod | null, overrides: Partial<PodSnapshot> = {}): PodSnapshot {
  const [, latest] = checkoutReplicaSets();
  return {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    container: 'app',
    since: '2026-11-26T02:14:05.123Z',
    pod,
    events: [],
    replicaSet: latest,
    deployment: deployment(),
    replicaSets: checkoutReplicaSets(),
    ...overrides,
  };
}

/** A pod nobody controls (`kubectl run`), in `state`. */
function barePod(state: Parameters<typeof podIn>[0], name = 'debug-shell'): V1Pod {
  return podIn(state, {
    name,
    namespace: 'payments',
    uid: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
    labels: { run: name },
    owner: null,
    image: 'registry.example/toolbox:2024.11',
  });
}

describe('diagnosePodProblem', () => {
  it('blames the latest rollout for a problem that began after it, names what changed and advises a rollback', () => {
    const diagnosis = diagnosePodProblem('container-waiting', snapshot(checkoutPod('bad-image')));

    expect(diagnosis).toMatchObject({
      detector: 'container-waiting',
      anomaly: 'bad-image',
      target: {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout',
        uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      },
      summary:
        'container app cannot pull image registry.example/checkout:1.15.0: Back-off pulling image "registry.example/checkout:1.15.0"; it began after revision 3 of deployment checkout (container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env LOG_LEVEL changed) — roll back to revision 2 (replicaset checkout-6c5b4a3928)',
      confidence: 0.8,
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'container app is waiting: ImagePullBackOff (Back-off pulling image "registry.example/checkout:1.15.0")',
      'owned by replicaset checkout-7d9f8b6c5d of deployment checkout',
      'revision 3 (replicaset checkout-7d9f8b6c5d) rolled out 4 min before the alert began, replacing revision 2 (checkout-6c5b4a3928); changed: container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env LOG_LEVEL changed',
      'Ready=False (ContainersNotReady) since 2026-11-26T02:06:10.000Z: containers with unready status: [app]',
    ]);
  });

  it('reports the rollout a rollback would undo: both revisions, that the problem began with it, one failing pod', () => {
    const { facts } = diagnosePodProblem('container-waiting', snapshot(checkoutPod('bad-image')));

    expect(facts.rollout).toEqual({
      from: '3',
      to: '2',
      beganWithIt: true,
      failingPods: 1,
      changes: [
        'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
        'container app env LOG_LEVEL changed',
      ],
    });
    expect(facts.workload).toMatchObject({ kind: 'Deployment', name: 'checkout', revision: '3', paused: false });
    expect(facts.pod).toMatchObject({ name: 'checkout-7d9f8b6c5d-x2k9p', controller: { kind: 'ReplicaSet' } });
    expect(facts.container).toEqual({ name: 'app', restarts: 0, memoryLimit: '256Mi', memoryRequest: '128Mi' });
  });

  it('does not blame a rollout that came after the problem began, and says so in the facts', () => {
    const diagnosis = diagnosePodProblem(
      'container-waiting',
      snapshot(checkoutPod('bad-image'), { since: '2026-11-26T02:00:00Z' }),
    );

    expect(diagnosis).toMatchObject({ anomaly: 'bad-image', target: { kind: 'Pod' }, confidence: 0.7 });
    expect(diagnosis.summary).toBe(
      'container app cannot pull image registry.example/checkout:1.15.0: Back-off pulling image "registry.example/checkout:1.15.0"',
    );
    expect(diagnosis.facts.rollout?.beganWithIt).toBe(false);
  });

  it('reports no rollout for a pod of an older revision than the latest', () => {
    const [previous] = checkoutReplicaSets();

    const { facts, target } = diagnosePodProblem(
      'pod-not-ready',
      snapshot(checkoutPod('app-crash'), { replicaSet: previous }),
    );

    expect(target.kind).toBe('Pod');
    expect(facts.rollout).toBeUndefined();
    expect(facts.workload?.name).toBe('checkout');
  });

  it('reports the pod itself, with no workload, when no Deployment owns it', () => {
    const diagnosis = diagnosePodProblem(
      'pod-not-ready',
      snapshot(postgresPod(0, 'config-error'), {
        namespace: 'data',
        podName: 'postgres-0',
        container: 'postgres',
        replicaSet: null,
        deployment: null,
        replicaSets: [],
      }),
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'config-error',
      target: { kind: 'Pod', namespace: 'data', name: 'postgres-0', uid: '6a5b4c3d-0000-4e2f-8a1b-9c8d7e6f5a4b' },
      summary: 'container postgres cannot start: configmap "checkout-config" not found',
      confidence: 0.7,
    });
    expect(Object.keys(diagnosis.facts).sort()).toEqual(['container', 'pod']);
  });

  it('reports a pod-level cause without a container', () => {
    const { anomaly, facts } = diagnosePodProblem('pod-not-ready', snapshot(checkoutPod('unschedulable')));

    expect(anomaly).toBe('unschedulable');
    expect(facts.container).toBeUndefined();
  });

  it('puts the cause of the container the alert names first and the others in the evidence, less sure', () => {
    const pod = checkoutPod('probe-failure');
    pod.status!.containerStatuses!.unshift({
      ...checkoutPod('config-error').status!.containerStatuses![0]!,
      name: 'envoy',
    });

    const diagnosis = diagnosePodProblem('pod-not-ready', snapshot(pod, { since: '2026-11-26T02:00:00Z' }));

    expect(diagnosis).toMatchObject({
      anomaly: 'probe-failure',
      summary: 'container app runs but is not ready',
      confidence: 0.6,
    });
    expect(diagnosis.evidence).toContainEqual({
      source: 'pod.status',
      message: 'container envoy cannot start: configmap "checkout-config" not found',
    });
  });

  it('takes the pod’s events into account (the probe that fails)', () => {
    const unhealthy = warningEvent(
      { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
      'Unhealthy',
      'Liveness probe failed: Get "http://10.0.3.142:8080/healthz": context deadline exceeded',
    );

    const { summary } = diagnosePodProblem(
      'pod-not-ready',
      snapshot(checkoutPod('probe-failure'), { events: [unhealthy], since: '2026-11-26T02:00:00Z' }),
    );

    expect(summary).toBe('container app runs but is not ready: Liveness probe failed');
  });

  it('reports recovered when the pod’s Ready condition is True on a Ready node, with both as evidence', () => {
    const diagnosis = diagnosePodProblem('pod-not-ready', snapshot(checkoutPod('healthy'), { node: node() }));

    expect(diagnosis).toMatchObject({
      anomaly: 'recovered',
      target: { kind: 'Pod' },
      summary: 'pod payments/checkout-7d9f8b6c5d-x2k9p is ready now (Ready=True since 2026-11-26T01:02:03.000Z)',
      confidence: 0.7,
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'Ready=True since 2026-11-26T01:02:03.000Z',
      'on node ip-10-0-3-17.eu-west-1.compute.internal (Ready=True, KubeletReady)',
    ]);
    expect(Object.keys(diagnosis.facts)).toEqual(['pod']);
  });

  it('judges a pod whose node stopped reporting by the node, not by its stale container statuses', () => {
    const notReady = warningEvent(
      { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
      'NodeNotReady',
      'Node is not ready',
    );

    const diagnosis = diagnosePodProblem(
      'pod-not-ready',
      snapshot(checkoutPod('node-unreachable'), { node: node('unreachable'), events: [notReady] }),
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'node-unreachable',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p' },
      summary:
        "node ip-10-0-3-17.eu-west-1.compute.internal has not reported since 2026-11-26T02:05:00.000Z (Ready=Unknown: Kubelet stopped posting node status.), so the pod is not ready and its containers' last reported state is stale",
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual(
      expect.arrayContaining([
        'node ip-10-0-3-17.eu-west-1.compute.internal Ready=Unknown: Kubelet stopped posting node status. (NodeStatusUnknown); last heartbeat 2026-11-26T02:05:00.000Z',
        'taints: node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute',
        'Ready=False since 2026-11-26T02:06:10.000Z',
        'NodeNotReady: Node is not ready',
      ]),
    );
  });

  it('does not blame the latest rollout for pods its lost node made unready, so no rollback is offered', () => {
    const diagnosis = diagnosePodProblem(
      'pod-not-ready',
      snapshot(checkoutPod('node-not-ready'), { node: node('not-ready') }),
    );

    expect(diagnosis).toMatchObject({ anomaly: 'node-not-ready', target: { kind: 'Pod' } });
    expect(diagnosis.summary).toMatch(/^node ip-10-0-3-17\.eu-west-1\.compute\.internal is not ready since /);
    expect(diagnosis.facts.rollout?.beganWithIt).toBe(false);
  });

  it('says a pod whose Ready condition is False is not ready even though its containers report ready', () => {
    const diagnosis = diagnosePodProblem('pod-not-ready', snapshot(checkoutPod('not-ready')));

    expect(diagnosis).toMatchObject({
      anomaly: 'not-ready',
      summary: 'the pod is not ready (Ready=False since 2026-11-26T02:06:10.000Z) though its containers report ready',
    });
    expect(diagnosis.evidence.length).toBeGreaterThan(0);
  });

  it('gives a running but unready pod the evidence it rests on: Ready condition, container, probe events, node', () => {
    const unhealthy = warningEvent(
      { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
      { count: 42 },
    );

    const diagnosis = diagnosePodProblem(
      'pod-not-ready',
      snapshot(checkoutPod('probe-failure'), { node: node(), events: [unhealthy], since: '2026-11-26T02:00:00Z' }),
    );

    expect(diagnosis.anomaly).toBe('probe-failure');
    expect(diagnosis.evidence.map((item) => item.message)).toEqual(
      expect.arrayContaining([
        'container app is running since 2026-11-26T01:02:03.000Z but not ready (0 restarts)',
        'Unhealthy ×42: Readiness probe failed: HTTP probe failed with statuscode: 503',
        'Ready=False (ContainersNotReady) since 2026-11-26T02:06:10.000Z: containers with unready status: [app]',
        'on node ip-10-0-3-17.eu-west-1.compute.internal (Ready=True, KubeletReady)',
      ]),
    );
  });

  it('reports pod-gone with no facts when the pod no longer exists', () => {
    const diagnosis = diagnosePodProblem('pod-not-ready', snapshot(null));

    expect(diagnosis).toMatchObject({
      anomaly: 'pod-gone',
      summary: 'pod payments/checkout-7d9f8b6c5d-x2k9p no longer exists: it was deleted or replaced',
      confidence: 0.9,
      facts: {},
    });
  });
});

describe('podProblemAudit.snapshots', () => {
  function picked(...pods: V1Pod[]): string[] {
    return [...podProblemAudit.snapshots(createListing({ Pod: pods }), now)].map((s) => s.podName);
  }

  it('reports a bare pod with a problem', () => {
    expect(picked(barePod('bad-image'))).toEqual(['debug-shell']);
  });

  it('leaves pods of ReplicaSets, StatefulSets, DaemonSets and Jobs to their workload', () => {
    expect(
      picked(
        checkoutPod('app-crash'),
        postgresPod(0, 'app-crash'),
        nodeExporterPod('ip-10-0-1-22.eu-west-1.compute.internal', 'app-crash'),
        nightlyJobPod('unschedulable'),
      ),
    ).toEqual([]);
  });

  it('reports evicted pods whoever owns them, since they linger after their replacement runs', () => {
    expect(picked(checkoutPod('evicted', 'checkout-7d9f8b6c5d-m4v7z'), nightlyJobPod('evicted'))).toEqual([
      'checkout-7d9f8b6c5d-m4v7z',
      'nightly-report-29384756-7xk2p',
    ]);
  });

  it('reports a pod whose controller is of a kind the audit does not read', () => {
    const workflowPod = barePod('app-crash', 'etl-run-8kq2d');
    workflowPod.metadata!.ownerReferences = [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: 'etl-run', uid: 'w1', controller: true },
    ];

    expect(picked(workflowPod)).toEqual(['etl-run-8kq2d']);
  });

  it('skips a bare pod that is healthy', () => {
    expect(picked(barePod('healthy'))).toEqual([]);
  });

  it('builds the snapshot observe would, beginning at the audit’s time and without an owner chain', () => {
    const [snapshot] = podProblemAudit.snapshots(createListing({ Pod: [barePod('config-error')] }), now);

    expect(snapshot).toEqual({
      namespace: 'payments',
      podName: 'debug-shell',
      since: '2026-11-26T02:20:00.000Z',
      pod: barePod('config-error'),
      events: [],
      replicaSet: null,
      deployment: null,
      replicaSets: [],
    });
  });
});
