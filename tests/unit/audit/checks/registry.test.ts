import { describe, expect, it } from '@jest/globals';

import { auditChecks } from '../../../../lib/audit/checks/registry.ts';
import { detectors } from '../../../../lib/detect/registry.ts';

describe('audit check registry', () => {
  it('names every check once, apart from the detectors', () => {
    const names = auditChecks.map((check) => check.name);

    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => detectors.some((detector) => detector.name === name))).toEqual([]);
  });

  it('gives every check a description and the kinds it lists', () => {
    for (const check of auditChecks) {
      expect(check.description.length).toBeGreaterThan(20);
      expect(check.lists.length).toBeGreaterThan(0);
    }
  });
});
