import { describe, expect, it } from '@jest/globals';

import { creationRefusal, refuser } from '../../../lib/detect/creation-refusals.ts';
import { warningEvent } from '../../helpers/fixtures.ts';

const owner = { kind: 'StatefulSet', name: 'postgres', namespace: 'data' };
const podSecurity =
  'create Pod postgres-1 in StatefulSet postgres failed error: pods "postgres-1" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true)';

describe('creation refusals', () => {
  it('names who refused a pod from the API server’s words', () => {
    expect(refuser(podSecurity)).toBe('PodSecurity admission (restricted:latest)');
    expect(refuser('admission webhook "policy.example.com" denied the request: no latest tags')).toBe(
      'admission webhook policy.example.com',
    );
    expect(
      refuser("pods \"x\" is forbidden: ValidatingAdmissionPolicy 'require-limits' with binding 'b' denied request"),
    ).toBe('ValidatingAdmissionPolicy require-limits');
    expect(
      refuser('pods "x" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2'),
    ).toBe('a ResourceQuota');
    expect(refuser('Internal error occurred')).toBe('the API server');
  });

  it('takes the newest FailedCreate and ignores other warnings', () => {
    const events = [
      warningEvent(owner, 'FailedCreate', 'exceeded quota: pods', { at: '2026-11-26T02:10:00Z' }),
      warningEvent(owner, 'FailedCreate', podSecurity, { count: 7, at: '2026-11-26T02:18:00Z' }),
      warningEvent(owner, 'RecreatingFailedPod', 'recreating', { at: '2026-11-26T02:19:00Z' }),
    ];

    expect(creationRefusal(events)).toEqual({
      by: 'PodSecurity admission (restricted:latest)',
      message: podSecurity,
      evidence: { source: 'event', message: `FailedCreate ×7: ${podSecurity}`, at: '2026-11-26T02:18:00.000Z' },
    });
    expect(creationRefusal(events.slice(2))).toBeUndefined();
  });

  it('bounds a long message in the summary and in the evidence', () => {
    const long = `${podSecurity} ${'x'.repeat(5_000)}`;

    const refusal = creationRefusal([warningEvent(owner, 'FailedCreate', long)]);

    expect(refusal?.message).toHaveLength(240);
    expect(refusal?.message.endsWith('…')).toBe(true);
    expect(refusal?.evidence.message).toHaveLength(400);
  });
});
