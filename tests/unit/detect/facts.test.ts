import { describe, expect, it } from '@jest/globals';

import { containerFacts, podFacts, rolloutFacts, workloadFacts } from '../../../lib/detect/facts.ts';
import { latestRollout } from '../../../lib/detect/rollout.ts';
import {
  checkoutPod,
  checkoutReplicaSets,
  crashingPod,
  deployment,
  nodeExporterDaemonSet,
  postgresStatefulSet,
} from '../../helpers/fixtures.ts';

describe('workloadFacts', () => {
  it('takes a Deployment’s revision from its revision annotation, with the resourceVersion it was read at', () => {
    expect(workloadFacts('Deployment', deployment())).toEqual({
      kind: 'Deployment',
      namespace: 'payments',
      name: 'checkout',
      uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      resourceVersion: '884213',
      revision: '3',
      paused: false,
      onDelete: false,
      deleting: false,
    });
  });

  it('says a Deployment is paused', () => {
    expect(workloadFacts('Deployment', deployment({ paused: true })).paused).toBe(true);
  });

  it('names a StatefulSet’s revision by its generation, and says when it updates OnDelete', () => {
    const sts = postgresStatefulSet({ updateStrategy: { type: 'OnDelete' } });

    expect(workloadFacts('StatefulSet', sts)).toMatchObject({
      kind: 'StatefulSet',
      name: 'postgres',
      resourceVersion: '884290',
      revision: 'generation 4',
      onDelete: true,
    });
  });

  it('says a DaemonSet is being deleted', () => {
    const ds = nodeExporterDaemonSet();
    ds.metadata!.deletionTimestamp = new Date('2026-11-26T02:15:00Z');

    expect(workloadFacts('DaemonSet', ds)).toMatchObject({ kind: 'DaemonSet', deleting: true, paused: false });
  });

  it('names no revision for a workload without a generation', () => {
    const sts = postgresStatefulSet();
    delete sts.metadata!.generation;

    expect(workloadFacts('StatefulSet', sts).revision).toBeUndefined();
  });
});

describe('podFacts', () => {
  it('names the pod and its controller', () => {
    expect(podFacts(checkoutPod('app-crash'))).toEqual({
      namespace: 'payments',
      name: 'checkout-7d9f8b6c5d-x2k9p',
      uid: '3e0c8f4a-x2k9p-4b1d-9a7e-5c2f8d6b1a03',
      controller: { kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d' },
    });
  });

  it('names no controller for a bare pod, even one with a non-controller owner', () => {
    const pod = crashingPod({ owner: null });
    pod.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'debug-session', uid: 'c1' }];

    expect(podFacts(pod)).not.toHaveProperty('controller');
  });
});

describe('containerFacts', () => {
  it('reports the restarts and the memory limit and request the container’s spec asks for', () => {
    const pod = checkoutPod('oom-killed');

    expect(containerFacts(pod, pod.status!.containerStatuses![0]!)).toEqual({
      name: 'app',
      restarts: 6,
      memoryLimit: '256Mi',
      memoryRequest: '128Mi',
    });
  });

  it('leaves out memory the spec does not ask for', () => {
    const pod = checkoutPod('oom-killed');
    pod.spec!.containers[0]!.resources = { requests: { cpu: '250m' } };

    expect(containerFacts(pod, { name: 'app', restartCount: 6 })).toEqual({ name: 'app', restarts: 6 });
  });
});

describe('rolloutFacts', () => {
  it('names the failing revision as from and the one before as to', () => {
    const change = latestRollout(deployment(), checkoutReplicaSets())!;

    expect(rolloutFacts(change, true, 2)).toEqual({
      from: '3',
      to: '2',
      beganWithIt: true,
      failingPods: 2,
      changes: [
        'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
        'container app env LOG_LEVEL changed',
      ],
    });
  });
});
