import { describe, expect, it } from '@jest/globals';

import { parseAgentConfig } from '../../../lib/config/agent-config.ts';
import { guards } from '../../../lib/guardrails/registry.ts';

describe('guardrail registry', () => {
  it('runs every plan guard before any write guard, and takes the target’s lease last', () => {
    const phases = guards.map((guard) => guard.phase);

    expect(phases.lastIndexOf('plan')).toBeLessThan(phases.indexOf('write'));
    expect(guards.at(-1)?.name).toBe('target-lease');
  });

  it('checks only the kill switch and the target’s lease again when a write is resumed', () => {
    expect(guards.filter((guard) => guard.onResume === true).map((guard) => guard.name)).toEqual([
      'kill-switch',
      'target-lease',
    ]);
  });

  it('names each guard once and describes it for the README, with its default', () => {
    const defaults = parseAgentConfig({});

    expect(new Set(guards.map((guard) => guard.name)).size).toBe(guards.length);
    for (const guard of guards) {
      expect(guard.what).not.toBe('');
      expect(guard.recordedAs).not.toBe('');
      expect(guard.fallback(defaults)).not.toBe('');
    }
  });
});
