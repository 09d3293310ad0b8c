import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import {
  crashLoop,
  isRolloutInProgress,
  pickContainer,
  type CrashLoopSnapshot,
} from '../../../lib/detect/crash-loop.ts';
import { deploymentHealth } from '../../../lib/detect/deployment-health.ts';
import { describeRollout, latestRollout } from '../../../lib/detect/rollout.ts';
import { AlertLabelError, ClusterUnreachableError } from '../../../lib/errors.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  alertFixture,
  backOffEvent,
  checkoutPod,
  checkoutReplicaSets,
  crashingPod,
  deployment,
  node,
  podIn,
  replicaSet,
  warningEvent,
} from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const alert = alertFixture();

function snapshot(overrides: Partial<CrashLoopSnapshot> = {}): CrashLoopSnapshot {
  return {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    container: 'app',
    pod: crashingPod(),
    replicaSet: replicaSet(),
    deployment: deployment(),
    events: [backOffEvent()],
    ...overrides,
  };
}

/** A pod of checkout with an Envoy sidecar next to `app`: `sidecar` says how the sidecar fares. */
function podWithSidecar(sidecar: 'ready' | 'crashing-more'): V1Pod {
  const pod = crashingPod();
  const app = pod.status!.containerStatuses![0]!;
  app.state = { running: { startedAt: new Date('2026-11-26T02:13:10Z') } };
  app.ready = false;
  pod.spec!.containers.push({ name: 'envoy', image: 'registry.example/envoy:1.31.2' });
  pod.status!.containerStatuses!.push({
    name: 'envoy',
    image: 'registry.example/envoy:1.31.2',
    imageID: 'registry.example/envoy@sha256:77ab',
    ready: sidecar === 'ready',
    started: sidecar === 'ready',
    restartCount: sidecar === 'ready' ? 0 : 30,
    state:
      sidecar === 'ready'
        ? { running: { startedAt: new Date('2026-11-26T01:02:03Z') } }
        : { terminated: { reason: 'Error', exitCode: 2, startedAt: now, finishedAt: now } },
  });
  return pod;
}

describe('crash-loop detector: observe', () => {
  it('reads the pod, its ReplicaSet, its Deployment and its Warning events', async () => {
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    kube.events = [backOffEvent()];

    const observed = await crashLoop.observe(alert, kube);

    expect(observed.pod?.metadata?.uid).toBe('a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e');
    expect(observed.replicaSet?.metadata?.name).toBe('checkout-7d9f8b6c5d');
    expect(observed.deployment?.metadata?.name).toBe('checkout');
    expect(observed.events.map((event) => event.reason)).toEqual(['BackOff']);
  });

  it('copies the container the alert names into the snapshot, for diagnose to pick', async () => {
    const observed = await crashLoop.observe(alert, new FakeKube().add(crashingPod()));

    expect(observed).toMatchObject({ namespace: 'payments', podName: 'checkout-7d9f8b6c5d-x2k9p', container: 'app' });
  });

  it('reads no ReplicaSet or Deployment for a pod a StatefulSet owns', async () => {
    const kube = new FakeKube().add(crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } }), deployment());

    const observed = await crashLoop.observe(alert, kube);

    expect(observed.replicaSet).toBeNull();
    expect(observed.deployment).toBeNull();
  });

  it('records a pod that no longer exists as null instead of failing', async () => {
    const observed = await crashLoop.observe(alert, new FakeKube());

    expect(observed.pod).toBeNull();
    expect(observed.deployment).toBeNull();
  });

  it('fails with an AlertLabelError naming the missing label', async () => {
    const labels = Object.fromEntries(Object.entries(alert.labels).filter(([name]) => name !== 'pod'));

    await expect(crashLoop.observe({ ...alert, labels }, new FakeKube())).rejects.toThrow(
      new AlertLabelError('alert KubePodCrashLooping has no "pod" label'),
    );
  });

  it('lets an unreachable cluster surface as such', async () => {
    const kube = new FakeKube();
    kube.failWith = new ClusterUnreachableError('no route');

    await expect(crashLoop.observe(alert, kube)).rejects.toBeInstanceOf(ClusterUnreachableError);
  });
});

describe('crash-loop detector: diagnose', () => {
  it('reports a crash loop of a fully rolled-out Deployment with the workload a restart would roll', () => {
    const diagnosis = crashLoop.diagnose(snapshot(), now);

    expect(diagnosis).toMatchObject({
      detector: 'crash-loop',
      anomaly: 'crash-loop',
      target: {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout',
        uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      },
      summary: 'container app of deployment checkout is crash looping: it exits with code 1 (Error)',
      confidence: 0.6,
    });
    expect(diagnosis.facts).toEqual({
      workload: {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout',
        uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
        resourceVersion: '884213',
        revision: '3',
        paused: false,
        onDelete: false,
        deleting: false,
      },
      pod: {
        namespace: 'payments',
        name: 'checkout-7d9f8b6c5d-x2k9p',
        uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e',
        controller: { kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d' },
      },
      container: { name: 'app', restarts: 14, memoryLimit: '256Mi', memoryRequest: '128Mi' },
    });
  });

  it('collects waiting reason, last termination, restarts, owner and events as evidence', () => {
    const evidence = crashLoop.diagnose(snapshot(), now).evidence;

    expect(evidence).toEqual([
      {
        source: 'pod.status',
        message:
          'container app is waiting: CrashLoopBackOff (back-off 5m0s restarting failed container=app pod=checkout-7d9f8b6c5d-x2k9p_payments)',
      },
      { source: 'pod.status', message: 'last termination: Error, exit code 1', at: '2026-11-26T02:13:04.000Z' },
      { source: 'pod.status', message: 'container app restarted 14 times' },
      {
        source: 'owner',
        message: 'owned by replicaset checkout-7d9f8b6c5d (revision 3) of deployment checkout (current revision 3)',
        at: '2026-11-20T15:30:00.000Z',
      },
      {
        source: 'event',
        message: 'BackOff ×37: Back-off restarting failed container app in pod checkout-7d9f8b6c5d-x2k9p_payments',
        at: '2026-11-26T02:14:00.000Z',
      },
    ]);
  });

  it('quotes the last termination message, trimmed to 300 characters', () => {
    const pod = crashingPod();
    pod.status!.containerStatuses![0]!.lastState!.terminated!.message = `  panic: ${'x'.repeat(400)}\n`;

    const messages = crashLoop.diagnose(snapshot({ pod }), now).evidence.map((item) => item.message);

    expect(messages).toContain(`last termination: Error, exit code 1: panic: ${'x'.repeat(293)}`);
  });

  it('keeps the five first Warning events as evidence', () => {
    const events = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) =>
      warningEvent(
        { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
        'BackOff',
        `back-off ${id}`,
      ),
    );

    const fromEvents = crashLoop.diagnose(snapshot({ events }), now).evidence.filter((item) => item.source === 'event');

    expect(fromEvents.map((item) => item.message)).toEqual([
      'BackOff: back-off a',
      'BackOff: back-off b',
      'BackOff: back-off c',
      'BackOff: back-off d',
      'BackOff: back-off e',
    ]);
  });

  it('reports an OOM kill with the memory limit and request a fix would raise', () => {
    const diagnosis = crashLoop.diagnose(
      snapshot({ pod: crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }) }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'oom-killed',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p' },
      summary:
        'container app is killed for exceeding its memory limit (256Mi); a restart would not help — raise the limit of deployment checkout (if usage is steady, not a leak)',
      confidence: 0.9,
    });
    expect(diagnosis.facts.container).toEqual({
      name: 'app',
      restarts: 14,
      memoryLimit: '256Mi',
      memoryRequest: '128Mi',
    });
    expect(diagnosis.facts.workload).toMatchObject({ kind: 'Deployment', name: 'checkout', resourceVersion: '884213' });
  });

  it('reports an OOM kill of a container without a memory limit (the node ran out) without a limit to raise', () => {
    const pod = crashingPod({ lastReason: 'OOMKilled', exitCode: 137 });
    delete pod.spec!.containers[0]!.resources!.limits;

    const diagnosis = crashLoop.diagnose(snapshot({ pod }), now);

    expect(diagnosis.anomaly).toBe('oom-killed');
    expect(diagnosis.summary).toBe(
      'container app is killed for exceeding its memory limit (no limit set); a restart would not help — raise the limit or fix the leak',
    );
    expect(diagnosis.facts.container).toEqual({ name: 'app', restarts: 14, memoryRequest: '128Mi' });
  });

  it('reports a bad rollout while the crashing revision is still rolling out, and says to roll back', () => {
    const diagnosis = crashLoop.diagnose(
      snapshot({ deployment: deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 }) }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'bad-rollout',
      target: { kind: 'Deployment', name: 'checkout' },
      summary:
        'container app exits with code 1 (Error) in the new revision 3 of deployment checkout, whose rollout has not completed; a restart would not help — roll back to the previous revision',
      confidence: 0.7,
    });
    expect(diagnosis.facts.workload).toMatchObject({ name: 'checkout', revision: '3' });
  });

  it('names what the new revision changed, in the same words as the Deployment’s record about the same pods', () => {
    const rolling = deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 });
    const [previous, latest] = checkoutReplicaSets();
    const since = '2026-11-26T02:14:05.123Z';

    const crash = crashLoop.diagnose(
      snapshot({ deployment: rolling, replicaSet: latest, replicaSets: [previous, latest], since }),
      now,
    );
    const workload = deploymentHealth.diagnose(
      {
        namespace: 'payments',
        name: 'checkout',
        since,
        deployment: rolling,
        replicaSets: [previous, latest],
        pods: [{ pod: checkoutPod('app-crash'), events: [] }],
      },
      now,
    );
    const change = describeRollout(latestRollout(rolling, [previous, latest])!, 'checkout');

    expect(change).toBe(
      'revision 3 of deployment checkout (container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env LOG_LEVEL changed)',
    );
    expect(crash.summary).toBe(
      `container app exits with code 1 (Error) in the new ${change}, whose rollout has not completed; a restart would not help — roll back to revision 2 (replicaset checkout-6c5b4a3928)`,
    );
    expect(workload.summary).toContain(change);
    expect(crash.evidence.map((item) => item.source)).toContain('rollout');
  });

  it('reads the Deployment’s revisions, to name what its latest rollout changed', async () => {
    const kube = new FakeKube().add(crashingPod(), deployment(), ...checkoutReplicaSets());

    const observed = await crashLoop.observe(alert, kube);

    expect(observed.replicaSets?.map((rs) => rs.metadata?.name).sort()).toEqual([
      'checkout-6c5b4a3928',
      'checkout-7d9f8b6c5d',
    ]);
    expect(observed.since).toBe(alert.startsAt);
  });

  it('says a pod on a node that stopped reporting is judged by the node, not by its stale container statuses', () => {
    const recovered = checkoutPod('node-unreachable');

    const diagnosis = crashLoop.diagnose(snapshot({ pod: recovered, node: node('unreachable') }), now);

    expect(diagnosis).toMatchObject({ anomaly: 'node-unreachable', target: { kind: 'Pod' } });
    expect(diagnosis.summary).toMatch(/^node ip-10-0-3-17\.eu-west-1\.compute\.internal has not reported since /);
    expect(Object.keys(diagnosis.facts)).toEqual(['pod']);
  });

  it('reads the node the pod is bound to', async () => {
    const kube = new FakeKube().add(checkoutPod('app-crash'), node('not-ready'));

    const observed = await crashLoop.observe(alert, kube);

    expect(observed.node?.metadata?.name).toBe('ip-10-0-3-17.eu-west-1.compute.internal');
  });

  it('says there is nothing to roll back to when the first revision never became available', () => {
    const firstRollout = deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 });
    firstRollout.metadata!.annotations!['deployment.kubernetes.io/revision'] = '1';

    const diagnosis = crashLoop.diagnose(snapshot({ deployment: firstRollout, replicaSet: replicaSet('1') }), now);

    expect(diagnosis.anomaly).toBe('bad-rollout');
    expect(diagnosis.summary).toContain(
      'this is its first revision, so there is nothing to roll back to — fix the pod spec or the image',
    );
  });

  it('reports a paused Deployment as paused in its facts and evidence, for the fix to refuse', () => {
    const diagnosis = crashLoop.diagnose(snapshot({ deployment: deployment({ paused: true }) }), now);

    expect(diagnosis.anomaly).toBe('crash-loop');
    expect(diagnosis.facts.workload?.paused).toBe(true);
    expect(diagnosis.evidence).toContainEqual({ source: 'deployment.spec', message: 'deployment checkout is paused' });
  });

  it('reports the pod and its StatefulSet controller, with no workload to roll, when a StatefulSet owns it', () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });

    const diagnosis = crashLoop.diagnose(snapshot({ pod, replicaSet: null, deployment: null }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'crash-loop',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e' },
      summary: 'container app of StatefulSet ledger is crash looping: it exits with code 1 (Error)',
      confidence: 0.5,
    });
    expect(diagnosis.facts.pod?.controller).toEqual({ kind: 'StatefulSet', name: 'ledger' });
    expect(diagnosis.facts.workload).toBeUndefined();
  });

  it('reports a ReplicaSet without Deployment as the pod’s controller', () => {
    const diagnosis = crashLoop.diagnose(snapshot({ deployment: null }), now);

    expect(diagnosis.target.kind).toBe('Pod');
    expect(diagnosis.summary).toBe(
      'container app of ReplicaSet checkout-7d9f8b6c5d is crash looping: it exits with code 1 (Error)',
    );
  });

  it('says a pod without a controller would be lost if deleted, and reports no controller', () => {
    const diagnosis = crashLoop.diagnose(
      snapshot({ pod: crashingPod({ owner: null }), replicaSet: null, deployment: null }),
      now,
    );

    expect(diagnosis.anomaly).toBe('crash-loop');
    expect(diagnosis.summary).toBe(
      'container app exits with code 1 (Error); the pod has no controller, so deleting it would lose it — recreate it from its manifest',
    );
    expect(diagnosis.facts.pod).not.toHaveProperty('controller');
  });

  it('reports recovered, with no workload, when the container is running and ready again', () => {
    const diagnosis = crashLoop.diagnose(snapshot({ pod: crashingPod({ running: true }) }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'recovered',
      summary: 'container app is running and ready again after 14 restarts',
      confidence: 0.8,
    });
    expect(Object.keys(diagnosis.facts).sort()).toEqual(['container', 'pod']);
  });

  it('reports pod-gone with no facts when the pod no longer exists', () => {
    const diagnosis = crashLoop.diagnose(snapshot({ pod: null, replicaSet: null, deployment: null, events: [] }), now);

    expect(diagnosis).toEqual({
      detector: 'crash-loop',
      anomaly: 'pod-gone',
      target: { kind: 'Pod', namespace: 'payments', name: 'checkout-7d9f8b6c5d-x2k9p' },
      summary: 'pod payments/checkout-7d9f8b6c5d-x2k9p no longer exists: it was deleted or replaced',
      confidence: 0.9,
      evidence: [],
      facts: {},
    });
  });

  it('reports no-status for a pod whose containers have not reported yet', () => {
    const pod = podIn('unschedulable', {
      name: 'checkout-7d9f8b6c5d-x2k9p',
      namespace: 'payments',
      uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e',
      labels: { app: 'checkout' },
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d', uid: 'owner-uid' },
    });

    const diagnosis = crashLoop.diagnose(snapshot({ pod, events: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'no-status',
      summary: 'the pod reports no container status yet',
      confidence: 0.3,
    });
    expect(Object.keys(diagnosis.facts)).toEqual(['pod']);
  });

  it('diagnoses the container the alert names, even when another one restarts more', () => {
    const diagnosis = crashLoop.diagnose(snapshot({ pod: podWithSidecar('crashing-more'), container: 'app' }), now);

    expect(diagnosis.facts.container?.name).toBe('app');
  });
});

describe('pickContainer', () => {
  /** checkout's pod with a healthy Envoy sidecar that restarted more often than the crashing app. */
  function podWithRestartedSidecar(): V1Pod {
    const pod = crashingPod();
    pod.status!.containerStatuses!.unshift({
      name: 'envoy',
      image: 'registry.example/envoy:1.31.2',
      imageID: 'registry.example/envoy@sha256:77ab',
      ready: true,
      restartCount: 40,
      state: { running: { startedAt: now } },
    });
    return pod;
  }

  it('takes the crash-looping container when the alert names none', () => {
    expect(pickContainer(podWithRestartedSidecar(), undefined)?.name).toBe('app');
  });

  it('takes the crash-looping container when the one the alert names does not exist', () => {
    expect(pickContainer(podWithRestartedSidecar(), 'istio-proxy')?.name).toBe('app');
  });

  it('takes the container restarted most when none is crash looping', () => {
    expect(pickContainer(podWithSidecar('crashing-more'), undefined)?.name).toBe('envoy');
  });
});

describe('isRolloutInProgress', () => {
  it('is true for the newest revision while the Deployment has not reported it available', () => {
    expect(isRolloutInProgress(deployment({ progressing: 'ReplicaSetUpdated' }), replicaSet('3'))).toBe(true);
  });

  it('is true for the newest revision while not every replica is updated', () => {
    expect(isRolloutInProgress(deployment({ updatedReplicas: 2 }), replicaSet('3'))).toBe(true);
  });

  it('is false once every replica of the newest revision is updated and it is reported available', () => {
    expect(isRolloutInProgress(deployment(), replicaSet('3'))).toBe(false);
  });

  it('does not blame a rollout for a pod of an older revision', () => {
    const rollingDeployment = deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 });
    rollingDeployment.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';

    expect(isRolloutInProgress(rollingDeployment, replicaSet('3'))).toBe(false);
  });
});
