import { describe, expect, it } from '@jest/globals';

import { optOut } from '../../../lib/guardrails/opt-out.ts';
import { guardContext } from '../../helpers/guard-context.ts';

describe('opt-out guard', () => {
  it('refuses a target that opts out by annotation, whatever the case of "true"', () => {
    const context = guardContext({ target: { annotations: { 'kubemend.io/opt-out': 'True' } } });

    expect(optOut.check(context)).toEqual({
      allowed: false,
      result: 'refused',
      reason: 'deployment payments/checkout opts out with annotation kubemend.io/opt-out=true',
    });
  });

  it('ignores the annotation set to anything but true', () => {
    expect(optOut.check(guardContext({ target: { annotations: { 'kubemend.io/opt-out': 'false' } } }))).toEqual({
      allowed: true,
    });
  });

  it('reads the annotation the config names', () => {
    const context = guardContext({
      raw: { optOutAnnotation: 'example.com/no-touch' },
      target: { annotations: { 'example.com/no-touch': 'true', 'kubemend.io/opt-out': 'true' } },
    });

    expect(optOut.check(context)).toMatchObject({ reason: expect.stringContaining('example.com/no-touch=true') });
  });
});
