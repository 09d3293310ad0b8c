import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { NotFoundError, ValidationError } from '../../../lib/errors.ts';
import type { KubeApi } from '../../../lib/kube/kube-api.ts';
import { manualPlan, readLiveTarget, reject } from '../../../lib/pipeline/manual.ts';
import { remediators } from '../../../lib/remediate/registry.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { memoryStore } from '../../helpers/support.ts';

const now = new Date('2026-12-01T03:04:05.000Z');
const plan = (action: string, params: Record<string, unknown> = {}) => ({
  action,
  target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
  params,
  reason: 'requested by hand',
});

describe('a fix asked for by hand', () => {
  it('decides what the fix decides when it plans (a restart’s instant), under what the person gave', () => {
    expect(manualPlan(plan('rollout-restart'), remediators, now).params).toEqual({
      restartedAt: '2026-12-01T03:04:05.000Z',
    });
    expect(
      manualPlan(plan('rollout-restart', { restartedAt: '2026-12-01T00:00:00Z' }), remediators, now).params,
    ).toEqual({ restartedAt: '2026-12-01T00:00:00Z' });
  });

  it('names each param that is missing or wrong, as the option to give, before anything is recorded', () => {
    expect(() => manualPlan(plan('scale'), remediators, now)).toThrow(
      new ValidationError('scale by hand: --param from=… is missing; --param replicas=… is missing'),
    );
    expect(() => manualPlan(plan('scale', { from: 2, replicas: 'four' }), remediators, now)).toThrow(
      /^scale by hand: --param replicas: expected number, received string$/,
    );
    expect(() => manualPlan(plan('restart-everything'), remediators, now)).toThrow(
      /^unknown fix "restart-everything" \(known: .*rollout-restart/,
    );
  });

  it('reads the preconditions off the target as it is now, so that the person gives only what they decide', () => {
    const deployment = {
      metadata: { uid: 'uid-1', annotations: { 'deployment.kubernetes.io/revision': '7' } },
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ name: 'app', resources: { limits: { memory: '256Mi' } } }] } },
      },
    };

    const scaled = manualPlan(plan('scale', { replicas: 5 }), remediators, now, deployment);
    expect(scaled.params).toEqual({ from: 3, replicas: 5 });
    expect(scaled.target.uid).toBe('uid-1');
    expect(manualPlan(plan('raise-memory'), remediators, now, deployment).params).toEqual({
      container: 'app',
      fromLimit: '256Mi',
    });
    expect(manualPlan(plan('rollout-undo', { toRevision: '6' }), remediators, now, deployment).params).toEqual({
      fromRevision: '7',
      toRevision: '6',
    });
    // What the person gave wins over what was read.
    expect(manualPlan(plan('scale', { from: 2, replicas: 5 }), remediators, now, deployment).params.from).toBe(2);
    const pod = { ...plan('delete-pod'), target: { kind: 'Pod', namespace: 'shop', name: 'checkout-abc' } };
    expect(manualPlan(pod, remediators, now, { metadata: { uid: 'pod-uid' } })).toMatchObject({
      target: { uid: 'pod-uid' },
      params: { uid: 'pod-uid' },
    });
  });

  it('reads the target only for a fix that reads params off it, and names one that is not there', async () => {
    let reads = 0;
    const kube = async () =>
      ({
        read: async () => {
          reads += 1;
          throw new NotFoundError('deployments.apps "checkout" not found');
        },
      }) as unknown as KubeApi;

    expect(await readLiveTarget(plan('rollout-restart'), remediators, kube)).toBeUndefined();
    expect(reads).toBe(0);
    await expect(readLiveTarget(plan('scale'), remediators, kube)).rejects.toThrow(
      /^scale by hand: deployment shop\/checkout not found$/,
    );
  });
});

describe('a fix turned down by hand', () => {
  it('takes only a record waiting for approval, and notes who turned it down and when', async () => {
    const store = memoryStore();
    const alert = alertFixture();
    const id = alertId(alert);
    const claim = await store.claim({ id, alert, cluster: undefined, now, leaseMs: 60_000 });
    await store.save({ ...claim.outcome, stage: 'done', result: 'applied' }, null);

    await expect(reject(store, { id: 'nope', by: 'bob', now, leaseMs: 60_000 })).rejects.toThrow(
      new NotFoundError('no record for alert instance nope'),
    );
    await expect(reject(store, { id, by: 'bob', now, leaseMs: 60_000 })).rejects.toThrow(
      `alert instance ${id} is not waiting for approval (it is applied)`,
    );
    await store.save(
      {
        ...(await store.get(id))!,
        stage: 'awaiting-approval',
        result: undefined,
        approval: { requestedAt: now.toISOString(), expiresAt: now.toISOString() },
      },
      null,
    );

    expect((await reject(store, { id, by: 'bob', now, leaseMs: 60_000 })).approval).toEqual({
      requestedAt: now.toISOString(),
      expiresAt: now.toISOString(),
      by: 'bob',
      at: now.toISOString(),
      rejected: true,
    });
  });
});
