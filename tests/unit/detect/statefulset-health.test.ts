import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { statefulSetHealth, type StatefulSetSnapshot } from '../../../lib/detect/statefulset-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, postgresPod, postgresStatefulSet, warningEvent } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function mismatchAlert(): Alert {
  const alert = alertFixture('deployment-rollout-stuck.json');
  const labels = Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
    alertname: 'KubeStatefulSetReplicasMismatch',
    namespace: 'data',
    statefulset: 'postgres',
  });
  delete labels.deployment;
  return { ...alert, labels };
}

function snapshot(overrides: Partial<StatefulSetSnapshot> = {}): StatefulSetSnapshot {
  return {
    namespace: 'data',
    name: 'postgres',
    statefulSet: postgresStatefulSet({ readyReplicas: 0 }),
    pods: [{ pod: postgresPod(0, 'app-crash'), events: [] }],
    ...overrides,
  };
}

describe('statefulset-health detector: observe', () => {
  it('reads the StatefulSet and the pods its selector picks', async () => {
    const kube = new FakeKube().add(postgresStatefulSet(), postgresPod(0, 'app-crash'), checkoutPod('app-crash'));

    const observed = await statefulSetHealth.observe(mismatchAlert(), kube);

    expect(observed.statefulSet?.metadata?.name).toBe('postgres');
    expect(observed.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['postgres-0']);
    expect(observed.events).toEqual([]);
  });
});

const podSecurity =
  'create Pod postgres-1 in StatefulSet postgres failed error: pods "postgres-1" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true)';
const refused = () =>
  warningEvent({ kind: 'StatefulSet', name: 'postgres', namespace: 'data' }, 'FailedCreate', podSecurity, { count: 9 });

describe('statefulset-health detector: diagnose', () => {
  it('names the refusal when the controller cannot create the pods it wants', () => {
    const sts = postgresStatefulSet({ readyReplicas: 1 });
    sts.status!.replicas = 1;

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods: [], events: [refused()] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'create-refused',
      summary: `statefulset data/postgres has 1 of 3 pods because PodSecurity admission (restricted:latest) refused to create the next one: ${podSecurity}`,
    });
    expect(diagnosis.evidence[0]).toMatchObject({ source: 'event', message: `FailedCreate ×9: ${podSecurity}` });
  });

  it('leaves an old refusal aside once every pod exists', () => {
    const diagnosis = statefulSetHealth.diagnose(snapshot({ events: [refused()] }), now);

    expect(diagnosis.anomaly).toBe('app-crash');
  });

  it('names the one ordinal that is not ready, with the workload a fix would roll', () => {
    const diagnosis = statefulSetHealth.diagnose(snapshot(), now);

    expect(diagnosis).toMatchObject({
      detector: 'statefulset-health',
      anomaly: 'app-crash',
      target: { kind: 'StatefulSet', namespace: 'data', name: 'postgres', uid: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5' },
      summary: 'postgres-0 is not ready (container postgres keeps exiting with code 1 (Error))',
      confidence: 0.7,
    });
    expect(diagnosis.evidence[0]?.message).toBe(
      '0 of 3 ready, 3 updated; current revision postgres-7b5d9c8f6d, update revision postgres-7b5d9c8f6d',
    );
    expect(diagnosis.facts).toEqual({
      workload: {
        kind: 'StatefulSet',
        namespace: 'data',
        name: 'postgres',
        uid: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5',
        resourceVersion: '884290',
        revision: 'generation 4',
        paused: false,
        onDelete: false,
        deleting: false,
      },
    });
  });

  it('names the lowest unready ordinal under OrderedReady and the ordinals that wait behind it', () => {
    const sts = postgresStatefulSet({ readyReplicas: 1 });
    sts.spec!.replicas = 4;
    sts.status!.replicas = 2;
    const pods = [postgresPod(0, 'healthy'), postgresPod(1, 'app-crash')].map((pod) => ({ pod, events: [] }));

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'app-crash',
      summary:
        'postgres-1 is not ready (container postgres keeps exiting with code 1 (Error)), so postgres-2 and postgres-3 wait behind it',
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual(
      expect.arrayContaining([
        'podManagementPolicy OrderedReady, updateStrategy RollingUpdate (partition 0)',
        'postgres-1 is at revision postgres-7b5d9c8f6d',
        'last termination: Error, exit code 1',
      ]),
    );
  });

  it('names a missing ordinal as what the higher ones wait for, when the controller counts fewer pods than desired', () => {
    const sts = postgresStatefulSet({ readyReplicas: 2 });
    sts.status!.replicas = 2;
    const pods = [postgresPod(0, 'healthy'), postgresPod(2, 'healthy')].map((pod) => ({ pod, events: [] }));

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods }), now);

    // postgres-2 exists and is ready: it keeps running, nothing of it waits.
    expect(diagnosis).toMatchObject({ anomaly: 'pod-missing', summary: 'postgres-1 does not exist' });
    expect(diagnosis.evidence.map((item) => item.message)).toContain(
      'pod postgres-1 not found; the controller has 2 of 3 pods',
    );
  });

  it('counts ordinals from spec.ordinals.start', () => {
    const sts = postgresStatefulSet({ readyReplicas: 2 });
    sts.spec!.ordinals = { start: 5 };
    const pods = [5, 6, 7].map((ordinal) => {
      const pod = postgresPod(0, ordinal === 6 ? 'app-crash' : 'healthy');
      pod.metadata!.name = `postgres-${ordinal}`;
      pod.metadata!.labels = { ...pod.metadata!.labels, 'apps.kubernetes.io/pod-index': String(ordinal) };
      return { pod, events: [] };
    });

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'app-crash',
      summary: expect.stringMatching(/^postgres-6 is not ready \(/),
    });
  });

  it('names the pod a rolling update waits for, from the highest ordinal down, and the partition', () => {
    const sts = postgresStatefulSet({
      readyReplicas: 2,
      updateRevision: 'postgres-84c6f9d7b5',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
    });
    sts.spec!.podManagementPolicy = 'Parallel';
    const updated = postgresPod(2, 'probe-failure');
    updated.metadata!.labels!['controller-revision-hash'] = 'postgres-84c6f9d7b5';
    sts.spec!.replicas = 4;
    const pods = [postgresPod(0, 'healthy'), postgresPod(1, 'healthy'), updated, postgresPod(3, 'healthy')];

    const diagnosis = statefulSetHealth.diagnose(
      snapshot({ statefulSet: sts, pods: pods.map((pod) => ({ pod, events: [] })) }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'probe-failure',
      summary:
        'the rolling update to revision postgres-84c6f9d7b5 waits for postgres-2, which is not ready (container postgres runs but is not ready), so postgres-1 keeps revision postgres-7b5d9c8f6d; partition 1 keeps the ordinals below 1 on revision postgres-7b5d9c8f6d',
    });
    expect(diagnosis.evidence.map((item) => item.message)).toContain('postgres-2 is at revision postgres-84c6f9d7b5');
  });

  it('names every unready pod under Parallel pod management, where no ordinal waits on another', () => {
    const sts = postgresStatefulSet({ readyReplicas: 1 });
    sts.spec!.podManagementPolicy = 'Parallel';
    const pods = [postgresPod(0, 'app-crash'), postgresPod(1, 'healthy'), postgresPod(2, 'app-crash')];

    const diagnosis = statefulSetHealth.diagnose(
      snapshot({ statefulSet: sts, pods: pods.map((pod) => ({ pod, events: [] })) }),
      now,
    );

    expect(diagnosis.summary).toBe(
      'postgres-0 and postgres-2 are not ready (container postgres keeps exiting with code 1 (Error)); with Parallel pod management no ordinal waits on another',
    );
  });

  it('says an OnDelete StatefulSet moves its pods to the new revision only when they are deleted', () => {
    const sts = postgresStatefulSet({ updateRevision: 'postgres-84c6f9d7b5', updateStrategy: { type: 'OnDelete' } });

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'update-on-delete',
      summary:
        'statefulset postgres uses the OnDelete update strategy: its pods move to revision postgres-84c6f9d7b5 only when deleted',
      confidence: 0.8,
    });
    expect(diagnosis.facts.workload?.onDelete).toBe(true);
  });

  it('says a partition keeps the ordinals below it on the old revision', () => {
    const sts = postgresStatefulSet({
      updateRevision: 'postgres-84c6f9d7b5',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
    });

    const diagnosis = statefulSetHealth.diagnose(snapshot({ statefulSet: sts, pods: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'update-partitioned',
      summary:
        'statefulset postgres has rollingUpdate.partition 2: ordinals below it stay on the old revision until the partition is lowered',
    });
  });

  it('reports pod problems before the update strategy', () => {
    const sts = postgresStatefulSet({ updateRevision: 'postgres-84c6f9d7b5', updateStrategy: { type: 'OnDelete' } });

    expect(statefulSetHealth.diagnose(snapshot({ statefulSet: sts }), now).anomaly).toBe('app-crash');
  });

  it('reports a shortfall without a pod problem as replicas-mismatch, unsure', () => {
    const diagnosis = statefulSetHealth.diagnose(
      snapshot({
        statefulSet: postgresStatefulSet({ readyReplicas: 2 }),
        pods: [{ pod: postgresPod(0, 'healthy'), events: [] }],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'replicas-mismatch',
      summary: '2 of 3 replicas ready and no pod reports a problem: the rollout may still be converging',
      confidence: 0.4,
    });
  });

  it('reports gone for a StatefulSet that no longer exists', () => {
    expect(statefulSetHealth.diagnose(snapshot({ statefulSet: null, pods: [] }), now)).toMatchObject({
      anomaly: 'gone',
      summary: 'statefulset data/postgres no longer exists',
      facts: {},
    });
  });
});

describe('statefulset-health detector: audit', () => {
  function picked(objects: Parameters<typeof createListing>[0]) {
    return [...statefulSetHealth.audit!.snapshots(createListing(objects), now)];
  }

  it('skips a StatefulSet with every replica ready on its update revision', () => {
    expect(picked({ StatefulSet: [postgresStatefulSet()] })).toEqual([]);
  });

  it('picks a StatefulSet short of ready replicas, with the pods its selector picks in its namespace', () => {
    const elsewhere = postgresPod(1, 'app-crash');
    elsewhere.metadata!.namespace = 'data-staging';

    const [snapshot, ...rest] = picked({
      StatefulSet: [postgresStatefulSet({ readyReplicas: 1 })],
      Pod: [postgresPod(0, 'app-crash'), elsewhere, checkoutPod('app-crash')],
    });

    expect(rest).toEqual([]);
    expect(snapshot?.pods.map(({ pod }) => pod.metadata?.name)).toEqual(['postgres-0']);
  });

  it('picks a StatefulSet whose pods are not all on its update revision', () => {
    const updating = postgresStatefulSet({ updateRevision: 'postgres-84c6f9d7b5' });

    expect(picked({ StatefulSet: [updating] }).map((s) => s.name)).toEqual(['postgres']);
  });
});
