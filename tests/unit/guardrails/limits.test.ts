import { describe, expect, it } from '@jest/globals';

import { limits } from '../../../lib/guardrails/limits.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { scale } from '../../../lib/remediate/scale.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('limits guard', () => {
  const scaleTo = (replicas: number, maxReplicas?: number) => ({
    ...guardContext(),
    remediator: scale,
    params: { from: 2, replicas },
    limits: LimitsSchema.parse(maxReplicas === undefined ? {} : { maxReplicas }),
  });

  it('allows params within the fix’s limits', () => {
    expect(limits.check(scaleTo(20))).toEqual({ allowed: true });
  });

  it('refuses params beyond them, saying which limit', () => {
    expect(limits.check(scaleTo(21))).toEqual({
      allowed: false,
      result: 'refused',
      reason: 'scale to 21 is above maxReplicas 20 (limits)',
    });
    expect(limits.check(scaleTo(12, 10))).toMatchObject({ allowed: false });
  });

  it('allows a fix with no limits', () => {
    expect(limits.check(guardContext())).toEqual({ allowed: true });
  });
});
