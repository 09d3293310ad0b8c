import { describe, expect, it } from '@jest/globals';

import type { FindingsStore } from '../../lib/audit/findings-store.ts';
import type { Finding } from '../../lib/audit/finding.ts';

/** A minimal finding keyed `key`, for store and format tests. */
export function sampleFinding(key: string): Finding {
  return {
    key,
    detector: 'd',
    kind: 'Pod',
    namespace: 'ns',
    name: key,
    anomaly: 'a',
    summary: `problem ${key}`,
    confidence: 0.7,
    evidence: [{ source: 'pod.status', message: 'waiting' }],
  };
}

/** What every audit findings store does, run against the embedded one and DynamoDB. */
export function findingsStoreContract(name: string, freshStore: () => Promise<FindingsStore>): void {
  const finding = sampleFinding;

  describe(`${name}: FindingsStore contract`, () => {
    it('tells new, still open and resolved findings apart between audits, per cluster', async () => {
      const store = await freshStore();

      const first = await store.record('prod', [finding('a'), finding('b')], new Date('2026-11-26T01:00:00Z'));
      const second = await store.record('prod', [finding('b'), finding('c')], new Date('2026-11-26T02:00:00Z'));
      const other = await store.record('staging', [finding('a')], new Date('2026-11-26T02:00:00Z'));

      expect(first.new.map((f) => f.key).sort()).toEqual(['a', 'b']);
      expect(second.new.map((f) => f.key)).toEqual(['c']);
      expect(second.open).toEqual([expect.objectContaining({ key: 'b', since: '2026-11-26T01:00:00.000Z' })]);
      expect(second.resolved).toEqual([expect.objectContaining({ key: 'a', since: '2026-11-26T01:00:00.000Z' })]);
      expect(other.new.map((f) => f.key)).toEqual(['a']);
    });

    it('lists the findings still open, of one cluster or of all, oldest first', async () => {
      const store = await freshStore();

      await store.record('prod', [finding('a'), finding('b')], new Date('2026-11-26T01:00:00Z'));
      await store.record('prod', [finding('b'), finding('c')], new Date('2026-11-26T02:00:00Z'));
      await store.record('staging', [finding('a')], new Date('2026-11-26T03:00:00Z'));

      const open = (await store.open()).map((f) => [f.cluster, f.key, f.since, f.lastSeen]);
      expect(open).toEqual([
        ['prod', 'b', '2026-11-26T01:00:00.000Z', '2026-11-26T02:00:00.000Z'],
        ['prod', 'c', '2026-11-26T02:00:00.000Z', '2026-11-26T02:00:00.000Z'],
        ['staging', 'a', '2026-11-26T03:00:00.000Z', '2026-11-26T03:00:00.000Z'],
      ]);
      expect((await store.open('staging')).map((f) => [f.key, f.summary])).toEqual([['a', 'problem a']]);
      expect(await store.open('nowhere')).toEqual([]);
    });

    it('resolves nothing after an audit that did not see every object', async () => {
      const store = await freshStore();

      await store.record('prod', [finding('a'), finding('b')], new Date('2026-11-26T01:00:00Z'));
      const partial = await store.record('prod', [finding('b')], new Date('2026-11-26T02:00:00Z'), {
        complete: false,
      });
      const full = await store.record('prod', [finding('b')], new Date('2026-11-26T03:00:00Z'));

      expect(partial.resolved).toEqual([]);
      expect(partial.open.map((f) => f.key)).toEqual(['b']);
      expect(full.resolved.map((f) => f.key)).toEqual(['a']);
    });

    it('treats a problem that comes back after being resolved as new again', async () => {
      const store = await freshStore();

      await store.record('prod', [finding('a')], new Date('2026-11-26T01:00:00Z'));
      await store.record('prod', [], new Date('2026-11-26T02:00:00Z'));
      const back = await store.record('prod', [finding('a')], new Date('2026-11-26T03:00:00Z'));

      expect(back.new.map((f) => f.key)).toEqual(['a']);
      expect(back.open).toEqual([]);
    });
  });
}
