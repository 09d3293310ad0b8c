import { describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../../lib/errors.ts';
import { manualPlan } from '../../../lib/pipeline/manual.ts';
import { remediators } from '../../../lib/remediate/registry.ts';

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
