import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import { eventEvidence, podCauses } from '../../../lib/detect/pod-causes.ts';
import { checkoutPod, crashingPod, node, warningEvent } from '../../helpers/fixtures.ts';

const ofPod = { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' };

describe('podCauses', () => {
  it('names a bad image with the pull error and the kubelet’s Failed event', () => {
    const pod = checkoutPod('bad-image');
    const failed = warningEvent(
      ofPod,
      'Failed',
      'Failed to pull image "registry.example/checkout:1.15.0": rpc error: code = NotFound desc = failed to resolve reference: not found',
    );

    const [cause] = podCauses(pod, [failed]);

    expect(cause).toMatchObject({
      kind: 'bad-image',
      container: 'app',
      summary:
        'container app cannot pull image registry.example/checkout:1.15.0: Back-off pulling image "registry.example/checkout:1.15.0"',
    });
    expect(cause!.evidence.map((item) => item.message)).toEqual([
      'container app is waiting: ImagePullBackOff (Back-off pulling image "registry.example/checkout:1.15.0")',
      'Failed: Failed to pull image "registry.example/checkout:1.15.0": rpc error: code = NotFound desc = failed to resolve reference: not found',
    ]);
  });

  it('names the image from the pod spec, not the status, when they differ', () => {
    const pod = crashingPod();
    pod.spec!.containers[0]!.image = 'registry.example/checkout:1.15.0';
    pod.status!.containerStatuses![0]!.state = { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } };

    expect(podCauses(pod, [])[0]?.summary).toBe(
      'container app cannot pull image registry.example/checkout:1.15.0: manifest unknown',
    );
  });

  it('names the missing ConfigMap of a configuration error', () => {
    expect(podCauses(checkoutPod('config-error'), [])).toEqual([
      {
        kind: 'config-error',
        container: 'app',
        summary: 'container app cannot start: configmap "checkout-config" not found',
        evidence: [
          {
            source: 'pod.status',
            message: 'container app is waiting: CreateContainerConfigError (configmap "checkout-config" not found)',
          },
        ],
      },
    ]);
  });

  it('tells failing readiness probes from a crash, by the kubelet’s Unhealthy event', () => {
    const unhealthy = warningEvent(
      ofPod,
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
      {
        count: 42,
      },
    );

    const [cause] = podCauses(checkoutPod('probe-failure'), [unhealthy]);

    expect(cause).toMatchObject({
      kind: 'probe-failure',
      summary: 'container app runs but is not ready: Readiness probe failed',
    });
    expect(cause!.evidence).toContainEqual({
      source: 'event',
      message: 'Unhealthy ×42: Readiness probe failed: HTTP probe failed with statuscode: 503',
      at: '2026-11-26T02:14:00.000Z',
    });
  });

  it('reports a running container that is not ready even without a probe event', () => {
    expect(podCauses(checkoutPod('probe-failure'), [])[0]?.summary).toBe('container app runs but is not ready');
  });

  it('reports the scheduler’s reason for a pending pod', () => {
    const [cause] = podCauses(checkoutPod('unschedulable'), []);

    expect(cause).toEqual({
      kind: 'unschedulable',
      summary: 'the scheduler finds no node for the pod: 3 Insufficient memory',
      evidence: [
        {
          source: 'pod.status',
          message: 'PodScheduled=False (Unschedulable): 0/3 nodes are available: 3 Insufficient memory.',
        },
      ],
    });
  });

  it('takes the scheduler’s reason from its newest FailedScheduling event when the condition has no message', () => {
    const pod = checkoutPod('unschedulable');
    delete pod.status!.conditions![0]!.message;
    const older = warningEvent(ofPod, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.', {
      at: '2026-11-26T02:00:00Z',
    });
    const newer = warningEvent(
      ofPod,
      'FailedScheduling',
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 node(s) didn't match pod anti-affinity rules.",
      { at: '2026-11-26T02:12:00Z' },
    );

    const [cause] = podCauses(pod, [older, newer]);

    expect(cause?.summary).toBe(
      "the scheduler finds no node for the pod: 1 node(s) had untolerated taint {dedicated: infra}, 2 node(s) didn't match pod anti-affinity rules",
    );
    expect(cause?.evidence).toHaveLength(2);
  });

  it('reports an OOM kill with the container’s memory limit', () => {
    expect(podCauses(checkoutPod('oom-killed'), [])[0]).toMatchObject({
      kind: 'oom-killed',
      container: 'app',
      summary: 'container app is killed for exceeding its memory limit (256Mi)',
    });
  });

  it('reports a crash with its exit code and the three newest Warning events', () => {
    const events = ['02:10', '02:14', '02:12', '02:13'].map((time) =>
      warningEvent(ofPod, 'BackOff', `back-off at ${time}`, { at: `2026-11-26T${time}:00Z` }),
    );

    const [cause] = podCauses(checkoutPod('app-crash'), events);

    expect(cause?.kind).toBe('app-crash');
    expect(cause?.summary).toBe('container app keeps exiting with code 1 (Error)');
    expect(cause?.evidence.filter((item) => item.source === 'event').map((item) => item.message)).toEqual([
      'BackOff: back-off at 02:14',
      'BackOff: back-off at 02:13',
      'BackOff: back-off at 02:12',
    ]);
  });

  it('reports a kubelet eviction with its message and nothing else', () => {
    expect(podCauses(checkoutPod('evicted'), [])).toEqual([
      {
        kind: 'evicted',
        summary:
          'the kubelet evicted the pod: The node was low on resource: memory. Threshold quantity: 100Mi, available: 85432Ki.',
        evidence: [
          {
            source: 'pod.status',
            message:
              'phase Failed, reason Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 85432Ki.',
          },
        ],
      },
    ]);
  });

  it('names the scheduling gates a gated pod waits for', () => {
    expect(podCauses(checkoutPod('scheduling-gated'), [])[0]).toMatchObject({
      kind: 'scheduling-gated',
      summary: 'the pod waits for its scheduling gates to be removed (example.com/quota-check)',
    });
  });

  it('reports any other waiting reason as waiting', () => {
    expect(podCauses(checkoutPod('waiting'), [])[0]).toMatchObject({
      kind: 'waiting',
      summary: 'container app is waiting: ContainerCreating',
    });
  });

  it('finds nothing wrong with a scheduled pod whose containers run and are ready', () => {
    expect(podCauses(checkoutPod('healthy'), [])).toEqual([]);
  });

  it('reports a cause for each unhealthy container of a pod', () => {
    const pod: V1Pod = checkoutPod('config-error');
    pod.status!.containerStatuses!.push({
      ...checkoutPod('probe-failure').status!.containerStatuses![0]!,
      name: 'envoy',
    });

    expect(podCauses(pod, []).map((cause) => [cause.kind, cause.container])).toEqual([
      ['config-error', 'app'],
      ['probe-failure', 'envoy'],
    ]);
  });

  // Running and ready again: an earlier OOM kill is over, not a cause.
  it('finds nothing wrong with a container running and ready again after an earlier OOM kill', () => {
    const pod = crashingPod({ running: true, lastReason: 'OOMKilled', exitCode: 137 });

    expect(podCauses(pod, [])).toEqual([]);
  });

  it('takes the node first: a pod on a Ready node with ready containers is healthy, on a lost one it is not', () => {
    const pod = checkoutPod('healthy');

    expect(podCauses(pod, [], node())).toEqual([]);
    expect(podCauses(pod, [], node('unreachable')).map((cause) => cause.kind)).toEqual(['node-unreachable']);
    expect(podCauses(pod, [], node('not-ready')).map((cause) => cause.kind)).toEqual(['node-not-ready']);
  });

  it('takes the node lifecycle controller’s taints as a lost node even before the Ready condition says so', () => {
    const tainted = node('ready', {
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: new Date('2026-11-26T02:05:45Z') },
      ],
    });

    expect(podCauses(checkoutPod('healthy'), [], tainted)[0]?.kind).toBe('node-unreachable');
  });

  it('says a pod bound to a node that no longer exists is not ready, naming the node', () => {
    const [cause] = podCauses(checkoutPod('node-unreachable'), [], null);

    expect(cause).toMatchObject({
      kind: 'node-unreachable',
      summary:
        'the pod is bound to node ip-10-0-3-17.eu-west-1.compute.internal, which no longer exists, so its last reported state is stale',
    });
    expect(cause!.evidence[0]).toEqual({
      source: 'node',
      message: 'node ip-10-0-3-17.eu-west-1.compute.internal not found',
    });
  });

  it('leaves a finished pod alone whatever its node', () => {
    const done = checkoutPod('healthy');
    done.status!.phase = 'Succeeded';

    expect(podCauses(done, [], node('unreachable'))).toEqual([]);
  });

  it('names a readiness gate that is not True when the containers are ready', () => {
    const [cause] = podCauses(checkoutPod('readiness-gate'), []);

    expect(cause).toMatchObject({
      kind: 'readiness-gate',
      summary:
        "the pod's containers are ready but its readiness gate target-health.elbv2.k8s.aws/k8s-payments-checkout-6b1f0e2d9c (not set) is not True",
    });
  });

  it('names an init container that crashes, since the pod cannot start before it exits 0', () => {
    const pod = checkoutPod('waiting');
    pod.status!.initContainerStatuses = [
      {
        name: 'migrate',
        image: 'registry.example/checkout-migrate:1.15.0',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=migrate' },
        },
        lastState: { terminated: { reason: 'Error', exitCode: 2 } },
      },
    ];

    expect(podCauses(pod, [])[0]).toMatchObject({
      kind: 'app-crash',
      container: 'migrate',
      summary: 'container migrate keeps exiting with code 2 (Error)',
    });
  });
});

describe('eventEvidence', () => {
  it('words an event with its count and its last time', () => {
    expect(eventEvidence(warningEvent(ofPod, 'BackOff', 'Back-off restarting failed container', { count: 7 }))).toEqual(
      {
        source: 'event',
        message: 'BackOff ×7: Back-off restarting failed container',
        at: '2026-11-26T02:14:00.000Z',
      },
    );
  });

  it('leaves out a count of one, and dates an event by its eventTime when it has no lastTimestamp', () => {
    const event = warningEvent(ofPod, 'FailedMount', 'MountVolume.SetUp failed for volume "config"');
    delete event.lastTimestamp;
    delete event.firstTimestamp;
    event.eventTime = new Date('2026-11-26T02:11:30.123456Z');

    expect(eventEvidence(event)).toEqual({
      source: 'event',
      message: 'FailedMount: MountVolume.SetUp failed for volume "config"',
      at: '2026-11-26T02:11:30.123Z',
    });
  });
});
