import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { ConfigError, NotFoundError } from '../../../lib/errors.ts';
import {
  createSqliteOutcomeStore,
  openLocalDatabase,
  releaseServerLeases,
} from '../../../lib/store/sqlite-outcome-store.ts';
import { outcomeStoreContract } from '../../contracts/outcome-store.contract.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { memoryStore } from '../../helpers/support.ts';

outcomeStoreContract('embedded store', async () => memoryStore());

describe('embedded outcome store', () => {
  it('makes nothing for a command that only reads, and names a data directory that is a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-store-'));
    const missing = join(dir, 'never-written');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');

    expect(() => openLocalDatabase(missing, { create: false })).toThrow(
      new NotFoundError(
        `no kubemend store in ${missing}: nothing has been recorded there (kubemend serve and run write one; --data-dir or KUBEMEND_DATA_DIR reads another)`,
      ),
    );
    expect(existsSync(missing)).toBe(false);
    expect(() => openLocalDatabase(file)).toThrow(
      new ConfigError(`the data directory ${file} is a file, not a directory (--data-dir, KUBEMEND_DATA_DIR)`),
    );
    openLocalDatabase(missing).close();
    expect(() => openLocalDatabase(missing, { create: false }).close()).not.toThrow();
    rmSync(dir, { recursive: true, force: true });
  });

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
  it("releases at a server's start the leases a stopped server held, and no one-shot command's", async () => {
    const db = new DatabaseSync(':memory:');
    const now = new Date('2026-12-01T10:00:00Z');
    const served = { ...alertFixture(), fingerprint: 'aaaa000000000001' };
    const byHand = { ...alertFixture(), fingerprint: 'aaaa000000000002' };
    const server = createSqliteOutcomeStore(db, 'serve');
    const cli = createSqliteOutcomeStore(db, 'cli');
    await server.claim({ id: alertId(served), alert: served, cluster: undefined, now, leaseMs: 300_000 });
    await cli.claim({ id: alertId(byHand), alert: byHand, cluster: undefined, now, leaseMs: 300_000 });
    const later = new Date(now.getTime() + 1_000);
    const next = createSqliteOutcomeStore(db, 'serve');
    const claimAgain = (alert: typeof served) =>
      next.claim({ id: alertId(alert), alert, cluster: undefined, now: later, leaseMs: 300_000 });

    expect(await claimAgain(served)).toMatchObject({ claimed: false, why: 'leased' });
    expect(releaseServerLeases(db, later)).toBe(1);
    expect(await claimAgain(served)).toMatchObject({ claimed: true, outcome: { attempts: 2 } });
    expect(await claimAgain(byHand)).toMatchObject({ claimed: false, why: 'leased' });
    // Taken over by the new server, the lease is the new server's: released by the next one.
    expect(releaseServerLeases(db, later)).toBe(1);
  });

  it('adds the lease owner to a store written before leases had owners', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec(`CREATE TABLE outcomes (id TEXT PRIMARY KEY, received_at TEXT NOT NULL, stage TEXT NOT NULL,
      lease_until INTEGER NOT NULL, attempts INTEGER NOT NULL, resolved_at TEXT, doc TEXT NOT NULL)`);
    const alert = alertFixture();
    const old = { ...alertFixture(), fingerprint: 'bbbb000000000001' };
    db.prepare(
      "INSERT INTO outcomes (id, received_at, stage, lease_until, attempts, resolved_at, doc) VALUES (?, '2026-12-01T00:00:00Z', 'applying', ?, 1, NULL, '{}')",
    ).run(alertId(old), Date.now() + 300_000);
    const store = createSqliteOutcomeStore(db, 'serve');
    // Another process that opened the old store at the same time: the column is there already.
    createSqliteOutcomeStore(db, 'cli');

    expect(
      await store.claim({ id: alertId(alert), alert, cluster: undefined, now: new Date(), leaseMs: 60_000 }),
    ).toMatchObject({
      claimed: true,
    });
    // The server's new claim, and the lease from before owners, which a server held.
    expect(releaseServerLeases(db, new Date())).toBe(2);
  });
});
