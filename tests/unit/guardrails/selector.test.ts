import { describe, expect, it } from '@jest/globals';

import { selector } from '../../../lib/guardrails/selector.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('selector guard', () => {
  const rule = { selector: { tier: 'web', 'kubemend.io/managed': 'true' } };

  it("allows a target whose labels include every key of the rule's selector", () => {
    const context = guardContext({
      rule,
      target: { labels: { tier: 'web', 'kubemend.io/managed': 'true', app: 'x' } },
    });

    expect(selector.check(context)).toEqual({ allowed: true });
  });

  it("refuses a target outside the rule's selector, naming what it lacks", () => {
    const context = guardContext({ rule, target: { labels: { tier: 'db' } } });

    expect(selector.check(context)).toEqual({
      allowed: false,
      result: 'refused',
      reason: "deployment payments/checkout is outside the rule's selector (tier=web, kubemend.io/managed=true)",
    });
  });
});
