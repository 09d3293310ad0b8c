import { describe, expect, it } from '@jest/globals';

import { disruption } from '../../../lib/guardrails/disruption.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('disruption guard', () => {
  const taking = (replicas: number, unavailable: number, share?: number) =>
    guardContext({
      ...(share === undefined ? {} : { defaults: { maxUnavailableShare: share } }),
      target: { disruption: { replicas, unavailable, adds: 1 } },
    });

  it('lets one pod go even when a quarter of the replicas is less than one', () => {
    expect(disruption.check(taking(2, 0))).toEqual({ allowed: true });
  });

  it('refuses a fix that would leave more than the share unavailable at once', () => {
    expect(disruption.check(taking(8, 2))).toEqual({
      allowed: false,
      result: 'refused',
      reason:
        'rollout-restart would leave 3 of 8 replicas unavailable at once; at most 2 may be (maxUnavailableShare 0.25)',
    });
  });

  it('follows the configured share', () => {
    expect(disruption.check(taking(8, 2, 0.5))).toEqual({ allowed: true });
  });

  it('allows a fix that takes nothing away', () => {
    expect(
      disruption.check(guardContext({ target: { disruption: { replicas: 3, unavailable: 3, adds: 0 } } })),
    ).toEqual({
      allowed: true,
    });
  });
});
