import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

import type { Alert } from '../../../lib/alert/schema.ts';
import { deploymentHealth, type DeploymentSnapshot } from '../../../lib/detect/deployment-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, checkoutReplicaSets, deployment, node } from '../../helpers/fixtures.ts';
import { diagnosePodProblem } from '../../../lib/detect/pod-problem.ts';
import { rolledOutDeployment } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** KubeDeploymentRolloutStuck for payments/checkout, begun at 02:14:05 (four minutes after revision 3). */
function stuckAlert(): Alert {
  const alert = alertFixture('deployment-rollout-stuck.json');
  return {
    ...alert,
    labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
      namespace: 'payments',
      deployment: 'checkout',
    }),
  };
}

/** checkout whose rollout of revision 3 passed its progress deadline with 2 of 3 replicas updated. */
function stuckDeployment(): V1Deployment {
  const stuck = deployment({ updatedReplicas: 2 });
  stuck.status!.conditions = [
    {
      type: 'Available',
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    },
    {
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "checkout-7d9f8b6c5d" has timed out progressing.',
    },
  ];
  return stuck;
}

function snapshot(overrides: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot {
  return {
    namespace: 'payments',
    name: 'checkout',
    since: '2026-11-26T02:14:05.123Z',
    deployment: stuckDeployment(),
    replicaSets: checkoutReplicaSets(),
    pods: [
      { pod: checkoutPod('bad-image', 'checkout-7d9f8b6c5d-x2k9p'), events: [] },
      { pod: checkoutPod('bad-image', 'checkout-7d9f8b6c5d-q8w3n'), events: [] },
    ],
    ...overrides,
  };
}

/** A pod of checkout's previous revision (2), still serving. */
function previousRevisionPod(): V1Pod {
  const pod = checkoutPod('healthy', 'checkout-6c5b4a3928-zt5rw');
  pod.metadata!.labels = { app: 'checkout', 'pod-template-hash': '6c5b4a3928' };
  pod.metadata!.ownerReferences![0]!.name = 'checkout-6c5b4a3928';
  return pod;
}

describe('deployment-health detector: observe', () => {
  it('reads the Deployment, its ReplicaSets and the pods of its newest revision only', async () => {
    const kube = new FakeKube().add(
      stuckDeployment(),
      ...checkoutReplicaSets(),
      checkoutPod('bad-image', 'checkout-7d9f8b6c5d-x2k9p'),
      previousRevisionPod(),
    );

    const observed = await deploymentHealth.observe(stuckAlert(), kube);

    expect(observed).toMatchObject({ namespace: 'payments', name: 'checkout', since: '2026-11-26T02:14:05.123Z' });
    expect(observed.replicaSets.map((rs) => rs.metadata?.name).sort()).toEqual([
      'checkout-6c5b4a3928',
      'checkout-7d9f8b6c5d',
    ]);
    expect(observed.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['checkout-7d9f8b6c5d-x2k9p']);
  });

  it('records a Deployment that no longer exists as null', async () => {
    const observed = await deploymentHealth.observe(stuckAlert(), new FakeKube().add(...checkoutReplicaSets()));

    expect(observed).toMatchObject({ deployment: null, replicaSets: [], pods: [] });
  });
});

describe('deployment-health detector: diagnose', () => {
  it('says why the newest revision’s pods are unavailable and ties it to the rollout it began after', () => {
    const diagnosis = deploymentHealth.diagnose(snapshot(), now);

    expect(diagnosis).toMatchObject({
      detector: 'deployment-health',
      anomaly: 'bad-image',
      target: {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout',
        uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      },
      summary:
        'rollout stuck: 2 of 2 pods of the newest revision are unhealthy — container app cannot pull image registry.example/checkout:1.15.0: Back-off pulling image "registry.example/checkout:1.15.0" (2 pods). It began after revision 3 of deployment checkout (container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env LOG_LEVEL changed) — roll back to revision 2 (replicaset checkout-6c5b4a3928).',
      confidence: 0.8,
    });
    expect(diagnosis.evidence.slice(0, 2).map((item) => item.message)).toEqual([
      '1 of 3 replicas available, 2 updated to the newest revision',
      'Progressing=False (ProgressDeadlineExceeded): ReplicaSet "checkout-7d9f8b6c5d" has timed out progressing.',
    ]);
  });

  it('says the same as the pod record when a lost node made its pods unready, and offers no rollback', () => {
    const lost = node('unreachable');
    const pods = ['checkout-7d9f8b6c5d-x2k9p', 'checkout-7d9f8b6c5d-q8w3n'].map((name) => ({
      pod: checkoutPod('node-unreachable', name),
      events: [],
      node: lost,
    }));

    const diagnosis = deploymentHealth.diagnose(snapshot({ pods }), now);
    const podRecord = diagnosePodProblem('pod-not-ready', {
      namespace: 'payments',
      podName: 'checkout-7d9f8b6c5d-x2k9p',
      since: '2026-11-26T02:14:05.123Z',
      pod: pods[0]!.pod,
      node: lost,
      events: [],
      replicaSet: checkoutReplicaSets()[1],
      deployment: stuckDeployment(),
      replicaSets: checkoutReplicaSets(),
    });

    expect(diagnosis.anomaly).toBe('node-unreachable');
    expect(diagnosis.summary).toBe(
      `rollout stuck: 2 of 2 pods of the newest revision are unhealthy — ${podRecord.summary} (2 pods).`,
    );
    expect(diagnosis.summary).not.toContain('converging');
    expect(diagnosis.facts.rollout?.beganWithIt).toBe(false);
  });

  it('reports the workload and the rollout a rollback would undo, with how many of its pods fail', () => {
    const { facts } = deploymentHealth.diagnose(snapshot(), now);

    expect(facts).toEqual({
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
      rollout: {
        from: '3',
        to: '2',
        beganWithIt: true,
        failingPods: 2,
        changes: [
          'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
          'container app env LOG_LEVEL changed',
        ],
      },
    });
  });

  it('advises no rollback when the problem began before the latest rollout', () => {
    const diagnosis = deploymentHealth.diagnose(snapshot({ since: '2026-11-26T01:00:00Z' }), now);

    expect(diagnosis.summary).not.toContain('roll back');
    expect(diagnosis.confidence).toBe(0.7);
    expect(diagnosis.facts.rollout?.beganWithIt).toBe(false);
  });

  it('counts the pods that share the cause, and says nothing of a stuck rollout within its deadline', () => {
    const diagnosis = deploymentHealth.diagnose(
      snapshot({
        deployment: deployment(),
        since: '2026-11-26T01:00:00Z',
        pods: [
          { pod: checkoutPod('config-error', 'checkout-7d9f8b6c5d-x2k9p'), events: [] },
          { pod: checkoutPod('healthy', 'checkout-7d9f8b6c5d-q8w3n'), events: [] },
        ],
      }),
      now,
    );

    expect(diagnosis.summary).toBe(
      '1 of 2 pods of the newest revision are unhealthy — container app cannot start: configmap "checkout-config" not found (1 pod).',
    );
  });

  it('says when the controller has not acted on the latest generation', () => {
    const lagging = deployment();
    lagging.metadata!.generation = 9;

    const diagnosis = deploymentHealth.diagnose(snapshot({ deployment: lagging }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'generation-mismatch',
      summary: 'the Deployment controller has not acted on generation 9 (observed 7): check kube-controller-manager',
      confidence: 0.6,
      evidence: [{ source: 'deployment.status', message: 'generation 9, observedGeneration 7' }],
    });
  });

  it('says a paused Deployment will not roll out a new generation until resumed', () => {
    const paused = deployment({ paused: true });
    paused.metadata!.generation = 8;

    const diagnosis = deploymentHealth.diagnose(snapshot({ deployment: paused }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'paused',
      summary: 'deployment checkout is paused: generation 8 will not roll out until it is resumed',
      confidence: 0.9,
    });
    expect(diagnosis.facts.workload?.paused).toBe(true);
  });

  it('names the ReplicaSet’s failure when it cannot create pods (quota)', () => {
    const [previous, latest] = checkoutReplicaSets();
    latest.status!.conditions = [
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message:
          'pods "checkout-7d9f8b6c5d-w2x4z" is forbidden: exceeded quota: compute, requested: requests.memory=128Mi, used: requests.memory=8Gi, limited: requests.memory=8Gi',
      },
    ];

    const diagnosis = deploymentHealth.diagnose(snapshot({ replicaSets: [previous, latest], pods: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'replica-failure',
      summary:
        '1 of 3 replicas available: the ReplicaSet cannot create pods — pods "checkout-7d9f8b6c5d-w2x4z" is forbidden: exceeded quota: compute, requested: requests.memory=128Mi, used: requests.memory=8Gi, limited: requests.memory=8Gi',
      confidence: 0.8,
    });
    expect(diagnosis.evidence.at(-1)?.source).toBe('replicaset.status');
  });

  it('reports a stuck rollout whose pods report no problem as rollout-stuck, unsure', () => {
    const diagnosis = deploymentHealth.diagnose(snapshot({ pods: [{ pod: checkoutPod('healthy'), events: [] }] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'rollout-stuck',
      summary:
        "1 of 3 replicas available, but the newest revision's pods report no problem: the rollout may still be converging, or be limited by quota, an HPA or a PodDisruptionBudget",
      confidence: 0.4,
    });
  });

  it('reports a replica shortfall without a problem or a deadline as replicas-mismatch', () => {
    const diagnosis = deploymentHealth.diagnose(snapshot({ deployment: deployment(), pods: [] }), now);

    expect(diagnosis).toMatchObject({ anomaly: 'replicas-mismatch', confidence: 0.4 });
  });

  it('reports gone, with no facts, for a Deployment that no longer exists', () => {
    const diagnosis = deploymentHealth.diagnose(snapshot({ deployment: null, replicaSets: [], pods: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'gone',
      summary: 'deployment payments/checkout no longer exists',
      confidence: 0.9,
      facts: {},
    });
  });
});

describe('deployment-health detector: audit', () => {
  function audit(objects: Parameters<typeof createListing>[0]) {
    return [...deploymentHealth.audit!.snapshots(createListing(objects), now)];
  }

  it('skips a Deployment with every replica available, on its latest generation, within its deadline', () => {
    expect(audit({ Deployment: [rolledOutDeployment()], ReplicaSet: checkoutReplicaSets() })).toEqual([]);
  });

  it('picks a Deployment short of available replicas, with its own ReplicaSets and its newest revision’s pods', () => {
    const other = checkoutPod('app-crash', 'storefront-5c4d3b2a19-hx7kq');
    other.metadata!.labels = { app: 'storefront', 'pod-template-hash': '5c4d3b2a19' };
    const foreignRs = structuredClone(checkoutReplicaSets()[1]);
    foreignRs.metadata!.name = 'storefront-5c4d3b2a19';
    foreignRs.metadata!.ownerReferences![0]!.uid = 'storefront-uid';

    const [picked, ...rest] = audit({
      Deployment: [deployment()],
      ReplicaSet: [...checkoutReplicaSets(), foreignRs],
      Pod: [checkoutPod('app-crash'), previousRevisionPod(), other],
    });

    expect(rest).toEqual([]);
    expect(picked).toMatchObject({ namespace: 'payments', name: 'checkout', since: '2026-11-26T02:20:00.000Z' });
    expect(picked?.replicaSets.map((rs) => rs.metadata?.name)).toEqual(['checkout-6c5b4a3928', 'checkout-7d9f8b6c5d']);
    expect(picked?.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['checkout-7d9f8b6c5d-x2k9p']);
  });

  it('picks a Deployment past its progress deadline even with every replica available', () => {
    const stuck = rolledOutDeployment();
    stuck.status!.conditions![1] = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' };

    expect(audit({ Deployment: [stuck] }).map((s) => s.name)).toEqual(['checkout']);
  });

  it('picks a Deployment whose latest generation the controller has not observed', () => {
    const lagging = rolledOutDeployment();
    lagging.metadata!.generation = 8;

    expect(audit({ Deployment: [lagging] }).map((s) => s.name)).toEqual(['checkout']);
  });

  it('lists no pods for a Deployment without ReplicaSets yet', () => {
    expect(audit({ Deployment: [deployment()], Pod: [checkoutPod('app-crash')] })[0]?.pods).toEqual([]);
  });
});
