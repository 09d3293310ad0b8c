import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { createSqliteFindingsStore } from '../../../lib/audit/findings-store.ts';
import { findingsStoreContract, sampleFinding } from '../../contracts/findings-store.contract.ts';

findingsStoreContract('embedded store', async () => createSqliteFindingsStore(new DatabaseSync(':memory:')));

describe('embedded findings store', () => {
  it('reports a still-open finding as the latest audit saw it, since it was first seen', async () => {
    const store = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    await store.record('prod', [sampleFinding('a')], new Date('2026-11-26T01:00:00Z'));

    const again = await store.record(
      'prod',
      [{ ...sampleFinding('a'), summary: 'problem a, worse' }],
      new Date('2026-11-26T02:00:00Z'),
    );

    expect(again.open).toEqual([
      expect.objectContaining({ key: 'a', summary: 'problem a, worse', since: '2026-11-26T01:00:00.000Z' }),
    ]);
  });

  it('dates a problem that comes back from its return, not from its first occurrence', async () => {
    const store = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    await store.record('prod', [sampleFinding('a')], new Date('2026-11-26T01:00:00Z'));
    await store.record('prod', [], new Date('2026-11-26T02:00:00Z'));
    await store.record('prod', [sampleFinding('a')], new Date('2026-11-26T03:00:00Z'));

    const later = await store.record('prod', [sampleFinding('a')], new Date('2026-11-26T04:00:00Z'));

    expect(later.open.map((finding) => finding.since)).toEqual(['2026-11-26T03:00:00.000Z']);
  });

  it('keeps findings in the database, for the next process that opens it', async () => {
    const db = new DatabaseSync(':memory:');
    await createSqliteFindingsStore(db).record('prod', [sampleFinding('a')], new Date('2026-11-26T01:00:00Z'));

    const report = await createSqliteFindingsStore(db).record('prod', [], new Date('2026-11-26T02:00:00Z'));

    expect(report.resolved.map((finding) => finding.key)).toEqual(['a']);
  });

  it('stamps the report with the cluster and the audit’s time', async () => {
    const report = await createSqliteFindingsStore(new DatabaseSync(':memory:')).record(
      'prod',
      [],
      new Date('2026-11-26T02:20:00Z'),
    );

    expect(report).toEqual({ cluster: 'prod', at: '2026-11-26T02:20:00.000Z', new: [], open: [], resolved: [] });
  });
});
