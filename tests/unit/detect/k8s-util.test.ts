import { describe, expect, it } from '@jest/globals';

import { age, gone } from '../../../lib/detect/k8s-util.ts';

const now = new Date('2026-11-26T02:20:00Z');

describe('age', () => {
  it('counts minutes up to two hours', () => {
    expect(age('2026-11-26T02:05:00Z', now)).toBe('15 min');
    expect(age(new Date('2026-11-26T00:21:00Z'), now)).toBe('119 min');
  });

  it('counts hours from two hours on', () => {
    expect(age('2026-11-26T00:20:00Z', now)).toBe('2 h');
    expect(age('2026-11-25T01:50:00Z', now)).toBe('25 h');
  });

  it('says zero for a time in the future (clock skew) and unknown for no time', () => {
    expect(age('2026-11-26T02:21:00Z', now)).toBe('0 min');
    expect(age(undefined, now)).toBe('an unknown time');
  });
});

describe('gone', () => {
  it('reports gone with no evidence and no facts', () => {
    const target = { kind: 'Node', name: 'ip-10-0-3-17.eu-west-1.compute.internal' };

    expect(gone({ detector: 'node-health', target }, 'node no longer exists', 0.8)).toEqual({
      detector: 'node-health',
      target,
      anomaly: 'gone',
      summary: 'node no longer exists',
      confidence: 0.8,
      evidence: [],
      facts: {},
    });
  });
});
