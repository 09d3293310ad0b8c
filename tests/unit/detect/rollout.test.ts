import { describe, expect, it } from '@jest/globals';
import type { V1ReplicaSet } from '@kubernetes/client-node';

import { correlate, latestRollout } from '../../../lib/detect/rollout.ts';
import { checkoutReplicaSets, deployment } from '../../helpers/fixtures.ts';

/** The `app` container of a ReplicaSet's pod template, for editing what a revision changed. */
function app(rs: V1ReplicaSet) {
  return rs.spec!.template!.spec!.containers[0]!;
}

describe('latestRollout', () => {
  it('names the latest revision, the one before it and what changed, by name only', () => {
    const change = latestRollout(deployment(), checkoutReplicaSets());

    expect(change).toEqual({
      latest: { revision: 3, replicaSet: 'checkout-7d9f8b6c5d', createdAt: '2026-11-26T02:10:00.000Z' },
      previous: { revision: 2, replicaSet: 'checkout-6c5b4a3928', createdAt: '2026-11-19T10:00:00.000Z' },
      changes: [
        'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
        'container app env LOG_LEVEL changed',
      ],
    });
  });

  it('never carries an env value, even a literal one', () => {
    const [previous, latest] = checkoutReplicaSets();
    app(previous).env!.push({ name: 'API_TOKEN', value: 'old-s3cr3t' });
    app(latest).env!.push({ name: 'API_TOKEN', value: 'new-s3cr3t' });

    const change = latestRollout(deployment(), [previous, latest]);

    expect(change?.changes).toContain('container app env API_TOKEN changed');
    expect(JSON.stringify(change)).not.toMatch(/s3cr3t|debug|info/);
  });

  it('names env vars added and removed, resources, command and args changed, containers added and removed', () => {
    const [previous, latest] = checkoutReplicaSets();
    app(latest).env = [
      { name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'checkout-db', key: 'url' } } },
      { name: 'FEATURE_FLAGS', value: 'new-cart' },
    ];
    app(latest).resources = { limits: { cpu: '1', memory: '256Mi' }, requests: { memory: '128Mi' } };
    app(latest).command = ['/checkout', 'serve'];
    app(latest).args = ['--port=8080'];
    previous.spec!.template!.spec!.containers.push({ name: 'log-shipper', image: 'registry.example/fluent-bit:3.1' });
    latest.spec!.template!.spec!.containers.push({ name: 'envoy', image: 'registry.example/envoy:1.31.2' });

    const change = latestRollout(deployment(), [previous, latest]);

    expect(change?.changes).toEqual([
      'container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0',
      'container app env FEATURE_FLAGS added',
      'container app env LOG_LEVEL removed',
      'container app cpu limit 500m → 1',
      'container app cpu request 250m → none',
      'container app command changed',
      'container app args changed',
      'container envoy added',
      'container log-shipper removed',
    ]);
  });

  it('says nothing changed when only the rollout itself differs (a restart)', () => {
    const [previous, latest] = checkoutReplicaSets();
    latest.spec!.template!.spec = structuredClone(previous.spec!.template!.spec);
    latest.spec!.template!.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:09:58Z' };

    expect(latestRollout(deployment(), [previous, latest])?.changes).toEqual([]);
  });

  it('has no rollout to name for a Deployment with a single revision', () => {
    expect(latestRollout(deployment(), [checkoutReplicaSets()[1]])).toBeUndefined();
  });

  it('ignores ReplicaSets another Deployment controls, and ones without a revision', () => {
    const [previous, latest] = checkoutReplicaSets();
    const foreign = structuredClone(latest);
    foreign.metadata!.name = 'checkout-canary-5f6d7c8b9a';
    foreign.metadata!.annotations!['deployment.kubernetes.io/revision'] = '9';
    foreign.metadata!.ownerReferences![0]!.uid = 'another-deployment';
    const unnumbered = structuredClone(previous);
    delete unnumbered.metadata!.annotations!['deployment.kubernetes.io/revision'];

    const change = latestRollout(deployment(), [foreign, unnumbered, previous, latest]);

    expect([change?.latest.replicaSet, change?.previous.replicaSet]).toEqual([
      'checkout-7d9f8b6c5d',
      'checkout-6c5b4a3928',
    ]);
  });
});

describe('correlate', () => {
  const change = latestRollout(deployment(), checkoutReplicaSets())!;

  it('ties a problem that began after the latest rollout to it, saying how long before', () => {
    expect(correlate(change, '2026-11-26T02:14:05.123Z')).toEqual({
      after: true,
      evidence: {
        source: 'rollout',
        message:
          'revision 3 (replicaset checkout-7d9f8b6c5d) rolled out 4 min before the alert began, replacing revision 2 (checkout-6c5b4a3928); changed: container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env LOG_LEVEL changed',
        at: '2026-11-26T02:10:00.000Z',
      },
    });
  });

  it('does not tie a problem that began before the latest rollout to it', () => {
    const { after, evidence } = correlate(change, '2026-11-26T01:58:00Z');

    expect(after).toBe(false);
    expect(evidence.message).toContain('rolled out 12 min after the alert began');
  });

  it('ties nothing to a rollout whose ReplicaSet has no creation time', () => {
    const undated = { ...change, latest: { ...change.latest, createdAt: undefined } };

    const { after, evidence } = correlate(undated, '2026-11-26T02:14:05Z');

    expect(after).toBe(false);
    expect(evidence.message).toContain('rolled out at an unknown time');
  });
});
