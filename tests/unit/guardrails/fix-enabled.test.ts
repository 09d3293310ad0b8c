import { describe, expect, it } from '@jest/globals';

import { fixEnabled } from '../../../lib/guardrails/fix-enabled.ts';
import { guardContext, restartPlan } from '../../helpers/guard-context.ts';

describe('fix-enabled guard', () => {
  it('allows the fix the rule maps to the diagnosis’s anomaly', () => {
    expect(fixEnabled.check(guardContext())).toEqual({ allowed: true });
  });

  it('refuses a fix the rule (as configured now) does not map to the anomaly', () => {
    const context = guardContext({ plan: restartPlan('payments', 'delete-pod') });

    expect(fixEnabled.check(context)).toEqual({
      allowed: false,
      result: 'refused',
      reason: 'action "delete-pod" is not enabled for KubePodCrashLooping for crash-loop (enabled: rollout-restart)',
    });
  });

  it('refuses a fix mapped to another anomaly than the one diagnosed', () => {
    const context = guardContext({ rule: { fixes: { 'oom-killed': 'rollout-restart' } } });

    expect(fixEnabled.check(context)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('(enabled: none)'),
    });
  });

  it('allows a manual run whatever the anomaly, when the rule maps the fix at all', () => {
    const context = guardContext({ outcome: { trigger: { kind: 'manual', by: 'sre@example.com' } } });

    expect(fixEnabled.check(context)).toEqual({ allowed: true });
  });
});
