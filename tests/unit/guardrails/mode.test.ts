import { describe, expect, it } from '@jest/globals';

import { effectiveMode } from '../../../lib/guardrails/mode.ts';
import { testConfig } from '../../helpers/support.ts';

describe('mode', () => {
  const config = testConfig({
    defaults: { namespaceModes: { 'team-*': 'dry-run', 'team-legacy': 'observe', staging: 'enforce' } },
  });

  it('lowers a rule to the most cautious mode its namespace patterns set', () => {
    expect(effectiveMode('enforce', 'team-web', config)).toBe('dry-run');
    expect(effectiveMode('enforce', 'team-legacy', config)).toBe('observe');
  });

  it('never raises a rule above its own mode', () => {
    expect(effectiveMode('dry-run', 'staging', config)).toBe('dry-run');
    expect(effectiveMode('enforce', 'payments', config)).toBe('enforce');
  });

  it('keeps the rule’s mode for a cluster-scoped target', () => {
    expect(effectiveMode('enforce', undefined, testConfig({ defaults: { namespaceModes: { '*': 'observe' } } }))).toBe(
      'enforce',
    );
  });
});
