import { describe, expect, it } from '@jest/globals';

import type { TargetGuard } from '../../lib/guardrails/target-guard.ts';

/** What every target guard does, run against the embedded store and DynamoDB. */
export function targetGuardContract(name: string, freshGuard: () => Promise<TargetGuard>): void {
  const target = 'prod/Deployment/payments/checkout';
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 2, minute));
  const lease = { leaseMs: 5 * 60_000, cooldownMs: 30 * 60_000 };

  describe(`${name}: TargetGuard contract`, () => {
    it('lets one fix hold a target, refuses a second, and lets the holder take it again', async () => {
      const guard = await freshGuard();

      const first = await guard.acquire({ target, holder: 'alert-a', now: at(0), ...lease });
      const second = await guard.acquire({ target, holder: 'alert-b', now: at(1), ...lease });
      const retry = await guard.acquire({ target, holder: 'alert-a', now: at(2), ...lease });

      expect(first).toEqual({ acquired: true });
      expect(second).toEqual({
        acquired: false,
        reason: expect.stringContaining('another fix holds this target until 2026-11-26T02:0'),
      });
      expect(retry).toEqual({ acquired: true });
    });

    it('frees a target whose holder died once the lease expires', async () => {
      const guard = await freshGuard();
      await guard.acquire({ target, holder: 'alert-a', now: at(0), ...lease });

      expect(await guard.acquire({ target, holder: 'alert-b', now: at(6), ...lease })).toEqual({ acquired: true });
    });

    it('keeps a fixed target in cooldown, and frees it at once after a fix that did not happen', async () => {
      const guard = await freshGuard();
      await guard.acquire({ target, holder: 'alert-a', now: at(0), ...lease });
      await guard.release({ target, holder: 'alert-a', now: at(1), applied: true });
      const other = 'prod/Deployment/payments/ledger';
      await guard.acquire({ target: other, holder: 'alert-c', now: at(0), ...lease });
      await guard.release({ target: other, holder: 'alert-c', now: at(1), applied: false });

      expect(await guard.acquire({ target, holder: 'alert-b', now: at(20), ...lease })).toEqual({
        acquired: false,
        reason: expect.stringContaining('cooldown: the last fix on this target was at 2026-11-26T02:01:00.000Z'),
      });
      expect(await guard.acquire({ target, holder: 'alert-b', now: at(32), ...lease })).toEqual({ acquired: true });
      expect(await guard.acquire({ target: other, holder: 'alert-d', now: at(2), ...lease })).toEqual({
        acquired: true,
      });
    });

    it('lets one of many racing fixes take a target', async () => {
      const guard = await freshGuard();

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          guard.acquire({ target, holder: `alert-${index}`, now: at(0), ...lease }),
        ),
      );

      expect(results.filter((result) => result.acquired)).toHaveLength(1);
    });
  });
}
