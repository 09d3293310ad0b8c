import { describe, expect, it } from '@jest/globals';

import { resolved } from '../../../lib/guardrails/resolved.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('resolved guard', () => {
  it('stops a fix whose alert resolved first, as resolved', () => {
    const context = guardContext({ outcome: { resolvedAt: '2026-11-26T02:20:30.000Z' } });

    expect(resolved.check(context)).toEqual({
      allowed: false,
      result: 'resolved',
      reason: 'the alert resolved at 2026-11-26T02:20:30.000Z, before the fix; nothing changed',
    });
  });

  it('allows a fix whose alert still fires', () => {
    expect(resolved.check(guardContext())).toEqual({ allowed: true });
  });
});
