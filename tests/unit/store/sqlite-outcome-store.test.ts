import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { LeaseLostError } from '../../../lib/store/outcome-store.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../../../lib/store/sqlite-outcome-store.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { memoryStore } from '../../helpers/support.ts';

const alert = alertFixture();
const id = alertId(alert);
const t0 = new Date('2026-11-26T02:20:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('embedded outcome store', () => {
  it('lets exactly one claimant take a new alert instance', async () => {
    const store = memoryStore();

    const first = await store.claim({ id, alert, cluster: 'prod', now: t0, leaseMs: 60_000 });
    const second = await store.claim({ id, alert, cluster: 'prod', now: later(1_000), leaseMs: 60_000 });

    expect(first).toMatchObject({ claimed: true, outcome: { id, stage: 'received', attempts: 1, cluster: 'prod' } });
    expect(second).toMatchObject({ claimed: false, why: 'leased' });
  });

  it('never hands out a finished instance again', async () => {
    const store = memoryStore();
    const claim = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
    if (!claim.claimed) throw new Error('expected a claim');
    await store.save({ ...claim.outcome, stage: 'done', result: 'no-action', reason: 'nothing to do' }, null);

    const again = await store.claim({ id, alert, cluster: undefined, now: later(3_600_000), leaseMs: 60_000 });

    expect(again).toMatchObject({ claimed: false, why: 'done', outcome: { result: 'no-action' } });
  });

  it('lets another worker take over an unfinished instance once the lease expires, fencing the first', async () => {
    const store = memoryStore();
    const first = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
    if (!first.claimed) throw new Error('expected a claim');

    const takeover = await store.claim({ id, alert, cluster: undefined, now: later(61_000), leaseMs: 60_000 });

    expect(takeover).toMatchObject({ claimed: true, outcome: { attempts: 2 } });
    await expect(store.save({ ...first.outcome, stage: 'done', result: 'applied' }, null)).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('lists recent outcomes newest first', async () => {
    const store = memoryStore();
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
        now: later(index * 1_000),
        leaseMs: 1,
      });
    }

    const recent = await store.recent({ limit: 2 });

    expect(recent.map((outcome) => outcome.alert.startsAt)).toEqual(['2026-11-26T03:00:00Z', '2026-11-26T02:00:00Z']);
  });

  it('creates a final resolved record for an alert never seen firing', async () => {
    const store = memoryStore();
    const resolved = alertFixture('resolved.json');

    await store.markResolved(id, resolved, 'prod', t0);

    expect(await store.get(id)).toMatchObject({ stage: 'done', result: 'resolved', resolvedAt: resolved.endsAt });
  });

  it('keeps a resolution noted while a worker holds the record through that worker’s save', async () => {
    const store = memoryStore();
    const claim = await store.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
    if (!claim.claimed) throw new Error('expected a claim');
    const resolved = alertFixture('resolved.json');

    await store.markResolved(id, resolved, undefined, later(1_000));
    await store.save({ ...claim.outcome, stage: 'planned' }, null);

    expect(await store.get(id)).toMatchObject({ stage: 'planned', resolvedAt: resolved.endsAt });
  });

  it('keeps records across reopening the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-store-'));
    const first = createSqliteOutcomeStore(openLocalDatabase(dir));
    await first.claim({ id, alert, cluster: undefined, now: t0, leaseMs: 60_000 });
    await first.close();

    const reopened = createSqliteOutcomeStore(openLocalDatabase(dir));

    expect(await reopened.get(id)).toMatchObject({ id, stage: 'received' });
    expect((await reopened.get(id))?.alert.labels.pod).toBe('checkout-7d9f8b6c5d-x2k9p');
    await reopened.close();
  });
});
