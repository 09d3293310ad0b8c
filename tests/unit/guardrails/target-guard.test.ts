import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { createSqliteTargetGuard, targetKey, targetLease } from '../../../lib/guardrails/target-guard.ts';
import { targetGuardContract } from '../../contracts/target-guard.contract.ts';
import { guardContext } from '../../helpers/guard-context.ts';

targetGuardContract('embedded store', async () => createSqliteTargetGuard(new DatabaseSync(':memory:')));

describe('target lease guard', () => {
  it('takes the target’s lease, and refuses a second holder while it is held', async () => {
    const first = guardContext();
    const second = { ...guardContext(), targetGuard: first.targetGuard, outcome: { ...first.outcome, id: 'other@t' } };

    expect(await targetLease.check(first)).toEqual({ allowed: true });
    expect(await targetLease.check(second)).toMatchObject({
      allowed: false,
      result: 'refused',
      reason: expect.stringMatching(/^another fix holds this target until /),
    });
  });

  it('refuses within the cooldown after an applied fix, from the rule’s own cooldown', async () => {
    const context = guardContext({ rule: { cooldownMinutes: 10 } });
    await context.targetGuard.acquire({
      target: context.targetKey,
      holder: 'earlier@t',
      now: context.now,
      leaseMs: 1,
      cooldownMs: 0,
    });
    await context.targetGuard.release({
      target: context.targetKey,
      holder: 'earlier@t',
      now: context.now,
      applied: true,
    });

    expect(await targetLease.check({ ...context, now: new Date(context.now.getTime() + 9 * 60_000) })).toMatchObject({
      reason: expect.stringContaining('cooldown'),
    });
    expect(await targetLease.check({ ...context, now: new Date(context.now.getTime() + 11 * 60_000) })).toEqual({
      allowed: true,
    });
  });

  it('keys a target by cluster, kind, namespace and name', () => {
    expect(targetKey('prod', { kind: 'Deployment', namespace: 'payments', name: 'checkout' })).toBe(
      'prod/Deployment/payments/checkout',
    );
    expect(targetKey(undefined, { kind: 'Node', name: 'ip-10-0-1-7' })).toBe('/Node//ip-10-0-1-7');
  });
});
