import { describe, expect, it } from '@jest/globals';

import { preconditions } from '../../../lib/guardrails/preconditions.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('preconditions guard', () => {
  it('refuses with the blocker the fix found on its target', () => {
    const blocker = 'the Deployment is paused; a restart would not roll out until it is resumed';

    expect(preconditions.check(guardContext({ target: { blocker } }))).toEqual({
      allowed: false,
      result: 'refused',
      reason: blocker,
    });
  });

  it('allows a target with no blocker', () => {
    expect(preconditions.check(guardContext())).toEqual({ allowed: true });
  });
});
