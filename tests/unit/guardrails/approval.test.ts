import { describe, expect, it } from '@jest/globals';

import { approval, needsApproval } from '../../../lib/guardrails/approval.ts';
import { guardContext, restartPlan } from '../../helpers/guard-context.ts';

describe('approval guard', () => {
  it('holds an action in approval.actions until someone approves it', () => {
    const context = guardContext({ plan: restartPlan('payments', 'rollout-undo') });

    expect(approval.check(context)).toEqual({
      allowed: false,
      result: 'awaiting-approval',
      reason: 'rollout-undo needs approval',
    });
  });

  it('holds any fix of a rule that requires approval', () => {
    expect(
      needsApproval(guardContext().config, { ...guardContext().rule, requireApproval: true }, 'rollout-restart'),
    ).toBe(true);
    expect(approval.check(guardContext({ rule: { requireApproval: true } }))).toMatchObject({
      result: 'awaiting-approval',
    });
  });

  it('lets an approved fix through', () => {
    const context = guardContext({
      plan: restartPlan('payments', 'rollout-undo'),
      outcome: {
        approval: {
          requestedAt: '2026-11-26T02:20:00.000Z',
          expiresAt: '2026-11-26T03:20:00.000Z',
          by: 'sre@example.com',
          at: '2026-11-26T02:30:00.000Z',
        },
      },
    });

    expect(approval.check(context)).toEqual({ allowed: true });
  });

  it('lets other fixes through', () => {
    expect(approval.check(guardContext())).toEqual({ allowed: true });
  });
});
