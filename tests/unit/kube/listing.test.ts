import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import { createListing, keepAll, podSelectors } from '../../../lib/kube/listing.ts';

function pod(namespace: string, name: string, labels: Record<string, string>): V1Pod {
  return { metadata: { namespace, name, labels } };
}

const names = (pods: readonly V1Pod[]) => pods.map((item) => item.metadata?.name);

describe('createListing', () => {
  it('finds pods by namespace and every pair of a selector, and none for an empty selector', () => {
    const listing = createListing({
      Pod: [
        pod('payments', 'a', { app: 'checkout', tier: 'web' }),
        pod('payments', 'b', { app: 'checkout' }),
        pod('web', 'c', { app: 'checkout', tier: 'web' }),
      ],
    });

    expect(names(listing.podsMatching('payments', 'app=checkout,tier=web'))).toEqual(['a']);
    expect(names(listing.podsMatching('payments', 'app=checkout'))).toEqual(['a', 'b']);
    expect(listing.podsMatching('payments', '')).toEqual([]);
    expect(listing.of('Node')).toEqual([]);
  });

  it('sees pods kept after it was built (a listing read while an audit streams)', () => {
    const pods: V1Pod[] = [pod('payments', 'a', { app: 'checkout' })];
    const listing = createListing({ Pod: pods });

    expect(names(listing.podsMatching('payments', 'app=checkout'))).toEqual(['a']);
    pods.push(pod('payments', 'b', { app: 'checkout' }));
    expect(names(listing.podsMatching('payments', 'app=checkout'))).toEqual(['a', 'b']);
  });
});

describe('podSelectors', () => {
  it('selects a pod when one selector of its namespace matches all its pairs', () => {
    const selectors = podSelectors();
    selectors.add('payments', 'app=checkout,tier=web');
    selectors.add('payments', 'app=cart');
    selectors.add(undefined, 'app=cluster-wide');

    expect(selectors.selects(pod('payments', 'a', { tier: 'web', app: 'checkout', extra: 'x' }))).toBe(true);
    expect(selectors.selects(pod('payments', 'b', { app: 'checkout' }))).toBe(false);
    expect(selectors.selects(pod('payments', 'c', { app: 'cart' }))).toBe(true);
    expect(selectors.selects(pod('web', 'd', { app: 'cart' }))).toBe(false);
    expect(selectors.selects(pod('', 'e', { app: 'cluster-wide' }))).toBe(true);
    expect(selectors.selects({ metadata: { namespace: 'payments' } })).toBe(false);
  });

  it('selects nothing by an empty selector, and reads a value holding "="', () => {
    const selectors = podSelectors();
    selectors.add('payments', '');
    selectors.add('payments', 'config=a=b');

    expect(selectors.selects(pod('payments', 'a', {}))).toBe(false);
    expect(selectors.selects(pod('payments', 'b', { config: 'a=b' }))).toBe(true);
    expect(selectors.selects(pod('payments', 'c', { config: 'a' }))).toBe(false);
  });

  it('agrees with the listing on which pods a selector picks', () => {
    const pods = Array.from({ length: 60 }, (_, index) =>
      pod(`ns-${index % 3}`, `p-${index}`, { app: `app-${index % 4}`, tier: `t-${index % 5}` }),
    );
    const listing = createListing({ Pod: pods });
    const selectors = podSelectors();
    const chosen = ['app=app-1,tier=t-2', 'tier=t-4', 'app=app-3'];
    for (const selector of chosen) selectors.add('ns-1', selector);

    const expected = new Set(chosen.flatMap((selector) => names(listing.podsMatching('ns-1', selector))));
    expect(names(pods.filter((item) => selectors.selects(item))).sort()).toEqual([...expected].sort());
    expect(expected.size).toBeGreaterThan(5);
  });
});

describe('keepAll', () => {
  it('keeps every object of the kinds named', () => {
    const keeps = keepAll('Node', 'StorageClass');

    expect(keeps.Node?.({})).toBe(true);
    expect(keeps.StorageClass?.({ provisioner: 'ebs.csi.aws.com' })).toBe(true);
    expect(keeps.Pod).toBeUndefined();
  });
});
