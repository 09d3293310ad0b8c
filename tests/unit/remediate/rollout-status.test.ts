import { describe, expect, it } from '@jest/globals';

import {
  ROLLOUT_CHECK_READS,
  rolloutHealth,
  stuckNewPod,
  workloadRolloutHealth,
  workloadWrites,
} from '../../../lib/remediate/rollout-status.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { nodeExporterDaemonSet } from '../../helpers/fixtures.ts';
import {
  checkoutPod,
  checkoutReplicaSet,
  ledgerPod,
  rolledOutDeployment,
  statefulSet,
} from '../../helpers/remediate-fixtures.ts';

const appliedAt = new Date('2026-11-26T02:20:00.000Z');

describe('rolloutHealth of a Deployment', () => {
  it('is healthy when every replica is updated and available', () => {
    expect(rolloutHealth('Deployment', rolledOutDeployment())).toEqual({
      state: 'healthy',
      detail: 'all 3 replicas updated and available',
    });
  });

  it('is progressing while the controller has not observed the new generation', () => {
    const written = rolledOutDeployment();
    written.metadata!.generation = 8;

    expect(rolloutHealth('Deployment', written)).toEqual({
      state: 'progressing',
      detail: 'the Deployment controller has not yet seen generation 8',
    });
  });

  it('is progressing while fewer replicas than wanted run the new template', () => {
    const rolling = rolledOutDeployment();
    rolling.status!.updatedReplicas = 1;

    expect(rolloutHealth('Deployment', rolling)).toEqual({ state: 'progressing', detail: '1 of 3 replicas updated' });
  });

  it('is progressing while an old replica still runs beside the updated ones (surge)', () => {
    const surging = rolledOutDeployment();
    surging.status!.replicas = 4;

    expect(rolloutHealth('Deployment', surging)).toEqual({
      state: 'progressing',
      detail: '1 old replicas still running',
    });
  });

  it('is progressing while an updated replica is not yet available', () => {
    const warming = rolledOutDeployment();
    warming.status!.availableReplicas = 2;

    expect(rolloutHealth('Deployment', warming)).toEqual({
      state: 'progressing',
      detail: '2 of 3 updated replicas available',
    });
  });

  it('fails once the rollout has exceeded its progress deadline', () => {
    const stuck = rolledOutDeployment();
    stuck.status!.updatedReplicas = 1;
    stuck.status!.conditions = [
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "checkout-7d9f8b6c5d" has timed out progressing.',
      },
    ];

    expect(rolloutHealth('Deployment', stuck)).toEqual({
      state: 'failed',
      detail: 'the rollout exceeded its progress deadline: ReplicaSet "checkout-7d9f8b6c5d" has timed out progressing.',
    });
  });
});

describe('rolloutHealth of a StatefulSet', () => {
  it('is healthy when every replica is on the update revision and ready', () => {
    expect(rolloutHealth('StatefulSet', statefulSet())).toEqual({
      state: 'healthy',
      detail: 'all 3 replicas updated and ready',
    });
  });

  it('is progressing while the update revision differs from the current one', () => {
    const rolling = statefulSet();
    rolling.status!.updateRevision = 'ledger-7f9a0b1c2';
    rolling.status!.updatedReplicas = 1;

    expect(rolloutHealth('StatefulSet', rolling)).toEqual({
      state: 'progressing',
      detail: '1 of 3 replicas on the update revision',
    });
  });

  it('is progressing while an updated replica is not ready', () => {
    const warming = statefulSet();
    warming.status!.readyReplicas = 2;

    expect(rolloutHealth('StatefulSet', warming)).toEqual({ state: 'progressing', detail: '2 of 3 replicas ready' });
  });

  it('is progressing while the controller has not observed the new generation', () => {
    const written = statefulSet();
    written.metadata!.generation = 5;

    expect(rolloutHealth('StatefulSet', written).state).toBe('progressing');
  });
});

describe('rolloutHealth of a DaemonSet', () => {
  it('is healthy when every scheduled pod is updated and available', () => {
    expect(rolloutHealth('DaemonSet', nodeExporterDaemonSet())).toEqual({
      state: 'healthy',
      detail: 'all 3 pods updated and available',
    });
  });

  it('is progressing while fewer nodes run the update than it is scheduled on', () => {
    const rolling = nodeExporterDaemonSet();
    rolling.status!.updatedNumberScheduled = 1;

    expect(rolloutHealth('DaemonSet', rolling)).toEqual({
      state: 'progressing',
      detail: '1 of 3 nodes run the update',
    });
  });

  it('is progressing while an updated pod is not available', () => {
    const warming = nodeExporterDaemonSet();
    warming.status!.numberAvailable = 2;
    warming.status!.numberUnavailable = 1;

    expect(rolloutHealth('DaemonSet', warming)).toEqual({ state: 'progressing', detail: '2 of 3 pods available' });
  });
});

describe('stuckNewPod', () => {
  it('names a pod created since the write whose container is in CrashLoopBackOff', () => {
    const pods = [
      checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:21:10Z', waiting: 'CrashLoopBackOff' }),
    ];

    expect(stuckNewPod(pods, appliedAt)).toBe(
      'new pod checkout-7d9f8b6c5d-q8r7s: container app CrashLoopBackOff (back-off 5m0s restarting failed container=app)',
    );
  });

  it('names a new pod that cannot pull its image', () => {
    const pods = [
      checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:21:10Z', waiting: 'ImagePullBackOff' }),
    ];

    expect(stuckNewPod(pods, appliedAt)).toBe(
      'new pod checkout-7d9f8b6c5d-q8r7s: container app ImagePullBackOff (Back-off pulling image "registry.example/checkout:1.14.2")',
    );
  });

  it('ignores a stuck pod created before the write', () => {
    const pods = [
      checkoutPod('checkout-7d9f8b6c5d-x2k9p', { created: '2026-11-26T01:02:00Z', waiting: 'CrashLoopBackOff' }),
    ];

    expect(stuckNewPod(pods, appliedAt)).toBeUndefined();
  });

  it('counts a pod created in the second of the write, since creation timestamps have whole seconds', () => {
    const pods = [
      checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:20:00Z', waiting: 'ErrImagePull' }),
    ];

    expect(stuckNewPod(pods, new Date('2026-11-26T02:20:00.700Z'))).toMatch(/^new pod checkout-7d9f8b6c5d-q8r7s/);
  });

  it('does not count a new pod still creating its container', () => {
    const pods = [checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:21:10Z' })];

    expect(stuckNewPod(pods, appliedAt)).toBeUndefined();
  });
});

describe('workloadRolloutHealth', () => {
  function checkoutCluster(): FakeKube {
    return new FakeKube().add(rolledOutDeployment(), checkoutReplicaSet('2'), checkoutReplicaSet('3'));
  }

  it('fails as soon as a new pod of the newest revision is stuck, whatever the status says', async () => {
    const kube = checkoutCluster().add(
      checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:21:10Z', waiting: 'CrashLoopBackOff' }),
    );

    const health = await workloadRolloutHealth(kube, 'Deployment', 'payments', 'checkout', appliedAt);

    expect(health).toEqual({
      state: 'failed',
      detail:
        'new pod checkout-7d9f8b6c5d-q8r7s: container app CrashLoopBackOff (back-off 5m0s restarting failed container=app)',
    });
  });

  it('ignores a stuck pod of an older revision and judges by the rollout status', async () => {
    const kube = checkoutCluster().add(
      checkoutPod('checkout-5c4b3a2f1e-m3n4b', {
        hash: '5c4b3a2f1e',
        ownerUid: 'rs-uid-revision-2',
        created: '2026-11-26T02:21:10Z',
        waiting: 'CrashLoopBackOff',
      }),
    );

    const health = await workloadRolloutHealth(kube, 'Deployment', 'payments', 'checkout', appliedAt);

    expect(health).toEqual({ state: 'healthy', detail: 'all 3 replicas updated and available' });
  });

  it('picks a StatefulSet’s new pods by its update revision', async () => {
    const stuck = ledgerPod(2, { ready: false, created: '2026-11-26T02:21:00Z' });
    const kube = new FakeKube().add(statefulSet(), stuck);

    const health = await workloadRolloutHealth(kube, 'StatefulSet', 'payments', 'ledger', appliedAt);

    expect(health).toEqual({
      state: 'failed',
      detail: 'new pod ledger-2: container app CrashLoopBackOff (back-off 5m0s restarting failed container=app)',
    });
  });
});

describe('rollout permissions', () => {
  it('grants get and patch on each workload kind, in the apps group', () => {
    expect(workloadWrites(['Deployment', 'DaemonSet'])).toEqual([
      { apiGroup: 'apps', resource: 'deployments', verbs: ['get', 'patch'] },
      { apiGroup: 'apps', resource: 'daemonsets', verbs: ['get', 'patch'] },
    ]);
  });

  it('reads pods and ReplicaSets to verify a rollout', () => {
    expect(ROLLOUT_CHECK_READS).toEqual([
      { apiGroup: '', resource: 'pods', verbs: ['list'] },
      { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
    ]);
  });
});
