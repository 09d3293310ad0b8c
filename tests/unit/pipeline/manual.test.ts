import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { NotFoundError, ValidationError } from '../../../lib/errors.ts';
import { manualPlan, reject } from '../../../lib/pipeline/manual.ts';
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
