import { describe, expect, it } from '@jest/globals';

import { parseLabelSelector } from '../../../lib/store/outcome-store.ts';

describe('a label selector, as kubectl takes it after -l', () => {
  it('reads equality, inequality and existence terms, and names one it cannot read', () => {
    expect(parseLabelSelector('severity=critical, team!=web,app==api,cluster,!canary')).toEqual([
      { key: 'severity', op: '=', value: 'critical' },
      { key: 'team', op: '!=', value: 'web' },
      { key: 'app', op: '=', value: 'api' },
      { key: 'cluster', op: 'exists' },
      { key: 'canary', op: '!exists' },
    ]);
    expect(() => parseLabelSelector('team in (a,b)')).toThrow(
      'label selector: cannot read "team in (a" (key=value, key!=value, key or !key)',
    );
  });
});
