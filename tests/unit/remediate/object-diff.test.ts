import { describe, expect, it } from '@jest/globals';

import { objectDiff } from '../../../lib/remediate/object-diff.ts';
import { deployment } from '../../helpers/fixtures.ts';

describe('objectDiff', () => {
  it('lists each changed leaf, ignoring what the server sets on every write', () => {
    const before = deployment();
    const after = deployment();
    after.metadata!.resourceVersion = '999';
    after.metadata!.generation = 8;
    after.status!.updatedReplicas = 0;
    after.spec!.template.metadata = {
      ...after.spec!.template.metadata,
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00Z' },
    };

    expect(objectDiff(before, after)).toEqual([
      'spec.template.metadata.annotations: (none) → {"kubectl.kubernetes.io/restartedAt":"2026-11-26T02:20:00Z"}',
    ]);
  });

  it('says an env var changed without showing its value', () => {
    const before = deployment();
    const after = deployment();
    before.spec!.template.spec!.containers[0]!.env = [{ name: 'DB_PASSWORD', value: 'old-secret' }];
    after.spec!.template.spec!.containers[0]!.env = [{ name: 'DB_PASSWORD', value: 'new-secret' }];

    const diff = objectDiff(before, after);

    expect(diff).toEqual(['spec.template.spec.containers[0].env[0].value: (changed)']);
    expect(diff.join()).not.toContain('secret');
  });
});
