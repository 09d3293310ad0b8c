import { describe, expect, it } from '@jest/globals';
import type { CoreV1Event, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import { containerWaiting } from '../../../lib/detect/container-waiting.ts';
import { podCauses } from '../../../lib/detect/pod-causes.ts';
import { podNotReady } from '../../../lib/detect/pod-not-ready.ts';
import type { PodSnapshot } from '../../../lib/detect/pod-snapshot.ts';
import { latestRollout } from '../../../lib/detect/rollout.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';

function waitingPod(reason: string, message: string): V1Pod {
  const pod = crashingPod();
  const status = pod.status!.containerStatuses![0]!;
  status.state = { waiting: { reason, message } };
  status.lastState = {};
  status.restartCount = 0;
  return pod;
}

function event(reason: string, message: string, at = '2026-11-26T02:14:00Z'): CoreV1Event {
  return {
    metadata: { name: `e-${reason}`, namespace: 'payments' },
    involvedObject: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
    reason,
    message,
    type: 'Warning',
    lastTimestamp: new Date(at),
  };
}

/** Revision 2 (created 02:10) changed the image and an env var of revision 1. */
function revisions(): V1ReplicaSet[] {
  const previous = replicaSet('1');
  previous.metadata!.name = 'checkout-6c5b4a3928';
  previous.metadata!.creationTimestamp = new Date('2026-11-20T15:30:00Z');
  previous.spec!.template = {
    spec: {
      containers: [
        { name: 'app', image: 'registry.example/checkout:1.14.2', env: [{ name: 'DB_URL', value: 'old-secret' }] },
      ],
    },
  };
  const latest = replicaSet('2');
  latest.metadata!.creationTimestamp = new Date('2026-11-26T02:10:00Z');
  latest.spec!.template = {
    spec: {
      containers: [
        { name: 'app', image: 'registry.example/checkout:1.15.0', env: [{ name: 'DB_URL', value: 'new-secret' }] },
      ],
    },
  };
  return [previous, latest];
}

function snapshot(pod: V1Pod, events: CoreV1Event[] = [], withRollout = false): PodSnapshot {
  const owner = deployment();
  owner.metadata!.annotations!['deployment.kubernetes.io/revision'] = withRollout ? '2' : '3';
  return {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    pod,
    events,
    replicaSet: withRollout ? revisions()[1]! : replicaSet(),
    deployment: owner,
    replicaSets: withRollout ? revisions() : [replicaSet()],
  };
}

const waitingAlert = alertFixture('grouped-namespace.json', 2);

describe('pod causes', () => {
  it('names a bad image with the pull error', () => {
    const pod = waitingPod('ImagePullBackOff', 'Back-off pulling image "registry.example/checkout:1.15.0"');
    const [cause] = podCauses(pod, [
      event('Failed', 'Failed to pull image "registry.example/checkout:1.15.0": not found'),
    ]);

    expect(cause).toMatchObject({ kind: 'bad-image', container: 'app' });
    expect(cause!.summary).toBe(
      'container app cannot pull image registry.example/checkout:1.14.2: Back-off pulling image "registry.example/checkout:1.15.0"',
    );
    expect(cause!.evidence.map((item) => item.message)).toContain(
      'Failed: Failed to pull image "registry.example/checkout:1.15.0": not found',
    );
  });

  it('names the missing ConfigMap of a configuration error', () => {
    const [cause] = podCauses(waitingPod('CreateContainerConfigError', 'configmap "checkout-config" not found'), []);

    expect(cause).toMatchObject({
      kind: 'config-error',
      summary: 'container app cannot start: configmap "checkout-config" not found',
    });
  });

  it('tells failing probes from a crash, and reports the scheduler’s reason for a pending pod', () => {
    const running = crashingPod({ running: true });
    running.status!.containerStatuses![0]!.ready = false;
    const pending = crashingPod();
    pending.status = {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient memory.',
        },
      ],
    };

    expect(
      podCauses(running, [event('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503')])[0],
    ).toMatchObject({
      kind: 'probe-failure',
      summary: 'container app runs but is not ready: Readiness probe failed',
    });
    expect(podCauses(pending, [])[0]).toMatchObject({
      kind: 'unschedulable',
      summary: 'the scheduler finds no node for the pod: 3 Insufficient memory',
    });
    expect(podCauses(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }), [])[0]?.kind).toBe('oom-killed');
    expect(podCauses(crashingPod(), [])[0]?.kind).toBe('app-crash');
  });
});

describe('rollout correlation', () => {
  it('names both revisions and what changed, without env values', () => {
    const change = latestRollout(deployment(), revisions());

    expect(change).toMatchObject({
      latest: { revision: 2 },
      previous: { revision: 1, replicaSet: 'checkout-6c5b4a3928' },
    });
    expect(change!.changes).toEqual([
      'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
      'container app env DB_URL changed',
    ]);
    expect(JSON.stringify(change)).not.toContain('secret');
  });
});

describe('container-waiting and pod-not-ready detectors', () => {
  it('blames the latest rollout for a bad image that began after it, and advises a rollback', () => {
    const pod = waitingPod('ImagePullBackOff', 'Back-off pulling image "registry.example/checkout:1.15.0"');

    const diagnosis = containerWaiting.diagnose(
      { ...waitingAlert, startsAt: '2026-11-26T02:14:05Z' },
      snapshot(pod, [], true),
      new Date(),
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'bad-image',
      target: { kind: 'Deployment', name: 'checkout' },
      plan: null,
      confidence: 0.8,
    });
    expect(diagnosis.summary).toContain('it began after revision 2 of deployment checkout');
    expect(diagnosis.summary).toContain('roll back to revision 1 (replicaset checkout-6c5b4a3928)');
    expect(diagnosis.evidence.map((item) => item.message)).toContain(
      'revision 2 (replicaset checkout-7d9f8b6c5d) rolled out 4 min before the alert began, replacing revision 1 (checkout-6c5b4a3928); changed: container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env DB_URL changed',
    );
  });

  it('does not blame a rollout that came after the problem began', () => {
    const pod = waitingPod('ImagePullBackOff', 'Back-off pulling image');

    const diagnosis = containerWaiting.diagnose(
      { ...waitingAlert, startsAt: '2026-11-26T02:00:00Z' },
      snapshot(pod, [], true),
      new Date(),
    );

    expect(diagnosis.target.kind).toBe('Pod');
    expect(diagnosis.summary).not.toContain('roll back');
  });

  it('reads the pod, its events and its Deployment’s revisions', async () => {
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    kube.replicaSets.get('payments/checkout-7d9f8b6c5d')!.metadata!.labels = { app: 'checkout' };

    const observed = await podNotReady.observe(alertFixture(), kube);

    expect(observed.deployment?.metadata?.name).toBe('checkout');
    expect(observed.replicaSets.map((rs) => rs.metadata?.name)).toEqual(['checkout-7d9f8b6c5d']);
  });
});
