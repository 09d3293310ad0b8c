import { describe, expect, it } from '@jest/globals';

import { crashLoop, isRolloutInProgress, type CrashLoopSnapshot } from '../../../lib/detect/crash-loop.ts';
import { AlertLabelError, ClusterUnreachableError } from '../../../lib/errors.ts';
import { RESTARTED_AT_ANNOTATION } from '../../../lib/remediate/rollout-restart.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, backOffEvent, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const alert = alertFixture();

function snapshot(overrides: Partial<CrashLoopSnapshot> = {}): CrashLoopSnapshot {
  return {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    pod: crashingPod(),
    replicaSet: replicaSet(),
    deployment: deployment(),
    events: [backOffEvent()],
    ...overrides,
  };
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
  it('plans a rollout restart of the owning Deployment when its rollout is complete', () => {
    const diagnosis = crashLoop.diagnose(alert, snapshot(), now);

    expect(diagnosis.anomaly).toBe('crash-loop');
    expect(diagnosis.target).toMatchObject({ kind: 'Deployment', namespace: 'payments', name: 'checkout' });
    expect(diagnosis.plan).toEqual({
      action: 'rollout-restart',
      target: {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout',
        uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      },
      params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '884213', revision: '3' },
      reason: expect.stringContaining('exits with code 1 (Error) after 14 restarts'),
    });
    expect(RESTARTED_AT_ANNOTATION).toBe('kubectl.kubernetes.io/restartedAt');
  });

  it('collects waiting reason, last termination, restarts, owner and events as evidence', () => {
    const messages = crashLoop.diagnose(alert, snapshot(), now).evidence.map((item) => item.message);

    expect(messages).toEqual([
      'container app is waiting: CrashLoopBackOff (back-off 5m0s restarting failed container=app pod=checkout-7d9f8b6c5d-x2k9p_payments)',
      'last termination: Error, exit code 1',
      'container app restarted 14 times',
      'owned by replicaset checkout-7d9f8b6c5d (revision 3) of deployment checkout (current revision 3)',
      'BackOff ×37: Back-off restarting failed container app in pod checkout-7d9f8b6c5d-x2k9p_payments',
    ]);
  });

  it('plans more memory for the Deployment after an OOM kill, because a restart would not help', () => {
    const diagnosis = crashLoop.diagnose(
      alert,
      snapshot({ pod: crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }) }),
      now,
    );

    expect(diagnosis.anomaly).toBe('oom-killed');
    expect(diagnosis.plan).toMatchObject({
      action: 'raise-memory',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: { container: 'app', fromLimit: '256Mi', fromRequest: '128Mi' },
    });
    expect(diagnosis.summary).toContain('memory limit (256Mi)');
  });

  it('plans nothing after an OOM kill of a container without a memory limit (the node ran out)', () => {
    const pod = crashingPod({ lastReason: 'OOMKilled', exitCode: 137 });
    delete pod.spec!.containers[0]!.resources!.limits;

    const diagnosis = crashLoop.diagnose(alert, snapshot({ pod }), now);

    expect(diagnosis.anomaly).toBe('oom-killed');
    expect(diagnosis.plan).toBeNull();
  });

  it('plans nothing while the crashing revision is still rolling out, and says to roll back', () => {
    const diagnosis = crashLoop.diagnose(
      alert,
      snapshot({ deployment: deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 }) }),
      now,
    );

    expect(diagnosis.anomaly).toBe('bad-rollout');
    expect(diagnosis.plan).toBeNull();
    expect(diagnosis.summary).toContain('roll back to the previous revision');
  });

  it('says there is nothing to roll back to when the first revision never became available', () => {
    const firstRollout = deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 });
    firstRollout.metadata!.annotations!['deployment.kubernetes.io/revision'] = '1';

    const diagnosis = crashLoop.diagnose(
      alert,
      snapshot({ deployment: firstRollout, replicaSet: replicaSet('1') }),
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'bad-rollout', plan: null });
    expect(diagnosis.summary).toContain('first revision, so there is nothing to roll back to');
  });

  it('does not blame a rollout for a pod of an older revision', () => {
    const rollingDeployment = deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 });
    rollingDeployment.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';

    expect(isRolloutInProgress(rollingDeployment, replicaSet('3'))).toBe(false);
  });

  it('plans nothing for a paused Deployment', () => {
    const diagnosis = crashLoop.diagnose(alert, snapshot({ deployment: deployment({ paused: true }) }), now);

    expect(diagnosis.plan).toBeNull();
    expect(diagnosis.summary).toContain('paused');
  });

  it('plans deleting the pod when a StatefulSet owns it', () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });

    const diagnosis = crashLoop.diagnose(alert, snapshot({ pod, replicaSet: null, deployment: null }), now);

    expect(diagnosis.plan).toMatchObject({
      action: 'delete-pod',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e' },
      params: { uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e' },
    });
  });

  it('never plans deleting a pod that has no controller', () => {
    const diagnosis = crashLoop.diagnose(
      alert,
      snapshot({ pod: crashingPod({ owner: null }), replicaSet: null, deployment: null }),
      now,
    );

    expect(diagnosis.plan).toBeNull();
    expect(diagnosis.summary).toContain('no controller');
  });

  it('plans nothing when the container is running and ready again', () => {
    const diagnosis = crashLoop.diagnose(alert, snapshot({ pod: crashingPod({ running: true }) }), now);

    expect(diagnosis.plan).toBeNull();
    expect(diagnosis.summary).toContain('running and ready again');
  });

  it('plans nothing when the pod is gone', () => {
    const diagnosis = crashLoop.diagnose(alert, snapshot({ pod: null }), now);

    expect(diagnosis.plan).toBeNull();
    expect(diagnosis.summary).toContain('no longer exists');
  });
});
