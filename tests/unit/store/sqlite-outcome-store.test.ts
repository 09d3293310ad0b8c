import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../../../lib/store/sqlite-outcome-store.ts';
import { outcomeStoreContract } from '../../contracts/outcome-store.contract.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { memoryStore } from '../../helpers/support.ts';

outcomeStoreContract('embedded store', async () => memoryStore());

describe('embedded outcome store', () => {
  it('keeps records across reopening the data directory', async () => {
    const alert = alertFixture();
    const id = alertId(alert);
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-store-'));
    const first = createSqliteOutcomeStore(openLocalDatabase(dir));
    await first.claim({ id, alert, cluster: undefined, now: new Date(), leaseMs: 60_000 });
    await first.close();

    const reopened = createSqliteOutcomeStore(openLocalDatabase(dir));

    expect(await reopened.get(id)).toMatchObject({ id, stage: 'received' });
    expect((await reopened.get(id))?.alert.labels.pod).toBe('checkout-7d9f8b6c5d-x2k9p');
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
