import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../lib/alert/identity.ts';
import { LeaseLostError } from '../../lib/errors.ts';
import { parseLabelSelector, type OutcomeStore } from '../../lib/store/outcome-store.ts';
import { alertFixture } from '../helpers/fixtures.ts';

/**
 * The behaviour every OutcomeStore adapter must have. Each adapter's test file runs it against a
 * fresh store per test: the embedded one in unit tests, DynamoDB on the AWS emulator in
 * integration tests.
 */
export function outcomeStoreContract(name: string, freshStore: () => Promise<OutcomeStore>): void {
  const alert = alertFixture();
  const id = alertId(alert);
  const t0 = new Date('2026-11-26T02:20:00Z');
  const later = (ms: number) => new Date(t0.getTime() + ms);

  describe(`${name}: OutcomeStore contract`, () => {
    it('lets exactly one claimant take a new alert instance', async () => {
      const store = await freshStore();

      const first = await store.claim({ id, alert, cluster: 'prod', now: t0, leaseMs: 60_000 });
      const second = await store.claim({ id, alert, cluster: 'prod', now: later(1_000), leaseMs: 60_000 });

      expect(first).toMatchObject({ claimed: true, outcome: { id, stage: 'received', attempts: 1, cluster: 'prod' } });
      expect(second).toMatchObject({ claimed: false, why: 'leased' });
    });

    it('lets one of many racing claimants win', async () => {
      const store = await freshStore();

      const claims = await Promise.all(
        Array.from({ length: 8 }, () => store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 })),
      );

      expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
    });

    it('never hands out a finished instance again', async () => {
      const store = await freshStore();
      const claim = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
      if (!claim.claimed) throw new Error('expected a claim');
      await store.save({ ...claim.outcome, stage: 'done', result: 'no-action', reason: 'nothing to do' }, null);

      const again = await store.claim({ id, alert, cluster: undefined, now: later(3_600_000), leaseMs: 60_000 });

      expect(again).toMatchObject({ claimed: false, why: 'done', outcome: { result: 'no-action' } });
    });

    it('hands a released record to the next stage at once', async () => {
      const store = await freshStore();
      const claim = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
      if (!claim.claimed) throw new Error('expected a claim');
      await store.save({ ...claim.outcome, stage: 'planned' }, null);

      const next = await store.claim({ id, alert, cluster: undefined, now: later(1), leaseMs: 60_000 });

      expect(next).toMatchObject({ claimed: true, outcome: { stage: 'planned', attempts: 2 } });
    });

    it('lets another worker take over once the lease expires, fencing the first', async () => {
      const store = await freshStore();
      const first = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
      if (!first.claimed) throw new Error('expected a claim');

      const takeover = await store.claim({ id, alert, cluster: undefined, now: later(61_000), leaseMs: 60_000 });

      expect(takeover).toMatchObject({ claimed: true, outcome: { attempts: 2 } });
      await expect(store.save({ ...first.outcome, stage: 'done', result: 'applied' }, null)).rejects.toBeInstanceOf(
        LeaseLostError,
      );
    });

    it('lists recent outcomes newest first', async () => {
      const store = await freshStore();
      const now = new Date();
      for (const [index, startsAt] of [
        '2026-11-26T01:00:00Z',
        '2026-11-26T02:00:00Z',
        '2026-11-26T03:00:00Z',
      ].entries()) {
        const instance = { ...alert, startsAt };
        await store.claim({
          id: alertId(instance),
          alert: instance,
          cluster: undefined,
          now: new Date(now.getTime() - (3 - index) * 1_000),
          leaseMs: 1,
        });
      }

      const recent = await store.recent({ limit: 2 });

      expect(recent.map((outcome) => outcome.alert.startsAt)).toEqual(['2026-11-26T03:00:00Z', '2026-11-26T02:00:00Z']);
    });

    it('creates a final resolved record for an alert never seen firing', async () => {
      const store = await freshStore();
      const resolved = alertFixture('resolved.json');

      await store.markResolved(id, resolved, 'prod', t0);

      expect(await store.get(id)).toMatchObject({ stage: 'done', result: 'resolved', resolvedAt: resolved.endsAt });
    });

    it('keeps a resolution noted while a worker holds the record through that worker’s save', async () => {
      const store = await freshStore();
      const claim = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
      if (!claim.claimed) throw new Error('expected a claim');
      const resolved = alertFixture('resolved.json');

      await store.markResolved(id, resolved, undefined, later(1_000));
      await store.save({ ...claim.outcome, stage: 'planned' }, null);

      expect(await store.get(id)).toMatchObject({ stage: 'planned', resolvedAt: resolved.endsAt });
    });

    it('round-trips labels, including ones named like Object members', async () => {
      const store = await freshStore();
      // On a null-prototype object `__proto__` is a plain own property, as the schema builds it.
      const labels = Object.assign(Object.create(null) as Record<string, string>, alert.labels);
      labels['constructor'] = 'c';
      labels['__proto__'] = 'p';
      const odd = { ...alert, labels };

      await store.claim({ id, alert: odd, cluster: undefined, now: t0, leaseMs: 1 });
      const stored = (await store.get(id))!.alert.labels;

      expect(stored.constructor).toBe('c');
      expect(Object.hasOwn(stored, '__proto__')).toBe(true);
      expect(stored.pod).toBe('checkout-7d9f8b6c5d-x2k9p');
    });

    it('filters history by cluster, namespace, result, target and time, newest first', async () => {
      const store = await freshStore();
      const now = Date.now();
      const add = async (n: number, cluster: string, namespace: string, result: 'applied' | 'refused') => {
        const instance = {
          ...alert,
          startsAt: `2026-11-26T0${n}:00:00Z`,
          labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
            namespace,
            pod: `pod-${n}`,
          }),
        };
        const claim = await store.claim({
          id: alertId(instance),
          alert: instance,
          cluster,
          now: new Date(now - (10 - n) * 60_000),
          leaseMs: 1,
        });
        if (!claim.claimed) throw new Error('expected a claim');
        await store.save({ ...claim.outcome, stage: 'done', result }, null);
      };
      await add(1, 'prod', 'payments', 'applied');
      await add(2, 'prod', 'ledger', 'refused');
      await add(3, 'staging', 'payments', 'applied');
      await add(4, 'prod', 'payments', 'refused');
      const pods = (outcomes: { alert: { labels: Record<string, string> } }[]) =>
        outcomes.map((o) => o.alert.labels.pod);

      expect(pods(await store.recent({ limit: 10, filter: { cluster: 'prod' } }))).toEqual(['pod-4', 'pod-2', 'pod-1']);
      expect(pods(await store.recent({ limit: 10, filter: { namespace: 'payments', result: 'applied' } }))).toEqual([
        'pod-3',
        'pod-1',
      ]);
      expect(pods(await store.recent({ limit: 1, filter: { namespace: 'payments' } }))).toEqual(['pod-4']);
      expect(pods(await store.recent({ limit: 10, filter: { target: 'POD-2' } }))).toEqual(['pod-2']);
      expect(pods(await store.recent({ limit: 10, filter: { since: new Date(now - 7.5 * 60_000) } }))).toEqual([
        'pod-4',
        'pod-3',
      ]);
      // kubectl's -l, on the alert's labels.
      const selected = (selector: string) =>
        store.recent({ limit: 10, filter: { labels: parseLabelSelector(selector) } }).then(pods);
      expect(await selected('pod=pod-2')).toEqual(['pod-2']);
      expect(await selected('namespace=payments,pod!=pod-1')).toEqual(['pod-4', 'pod-3']);
      expect(await selected('namespace,!nonesuch')).toEqual(['pod-4', 'pod-3', 'pod-2', 'pod-1']);
      expect(await selected('nonesuch')).toEqual([]);
      expect(await selected('constructor')).toEqual([]);
    });
  });
}
