import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import type { Outcome } from '../../../lib/domain/types.ts';
import { circuitBreaker } from '../../../lib/guardrails/circuit-breaker.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { guardContext } from '../../helpers/guard-context.ts';

/** Records `count` applied fixes in `namespace`, received at `at`. */
async function appliedFixes(
  store: ReturnType<typeof guardContext>['store'],
  count: number,
  namespace: string,
  at: string,
) {
  for (let index = 0; index < count; index += 1) {
    const alert = { ...alertFixture(), fingerprint: `fp-${namespace}-${index}`, startsAt: at };
    const claim = await store.claim({ id: alertId(alert), alert, cluster: undefined, now: new Date(at), leaseMs: 1 });
    const done: Outcome = {
      ...claim.outcome,
      stage: 'done',
      result: 'applied',
      plan: {
        action: 'rollout-restart',
        target: { kind: 'Deployment', namespace, name: `app-${index}` },
        params: {},
        reason: 'r',
      },
    };
    await store.save(done, null);
  }
}

describe('circuit breaker guard', () => {
  it('opens once the namespace had its cap of applied fixes in the window', async () => {
    const context = guardContext({ defaults: { caps: { perNamespace: 2, perCluster: 20, windowMinutes: 60 } } });
    await appliedFixes(context.store, 2, 'payments', '2026-11-26T02:00:00.000Z');

    expect(await circuitBreaker.check(context)).toEqual({
      allowed: false,
      result: 'refused',
      reason:
        'circuit open: 2 fixes applied in namespace payments in the last 60 min (cap 2); no more until the window passes',
    });
  });

  it('counts the cluster across namespaces', async () => {
    const context = guardContext({ defaults: { caps: { perNamespace: 5, perCluster: 3, windowMinutes: 60 } } });
    await appliedFixes(context.store, 3, 'shop', '2026-11-26T02:00:00.000Z');

    expect(await circuitBreaker.check(context)).toMatchObject({
      reason: expect.stringContaining('in cluster (default)'),
    });
  });

  it('forgets fixes older than the window', async () => {
    const context = guardContext({ defaults: { caps: { perNamespace: 2, perCluster: 20, windowMinutes: 60 } } });
    await appliedFixes(context.store, 2, 'payments', '2026-11-26T01:00:00.000Z');

    expect(await circuitBreaker.check(context)).toEqual({ allowed: true });
  });
});
