import { describe, expect, it } from '@jest/globals';

import { podsWithEvents, summarizeCauses } from '../../../lib/detect/workload-pods.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { checkoutPod, node, postgresPod, warningEvent } from '../../helpers/fixtures.ts';

const names = ['a1b2c', 'd3e4f', 'g5h6i', 'j7k8l', 'm9n0p'];

/** checkout's pods -a1b2c … -m9n0p in `states`, each with one Warning event of its own. */
function cluster(...states: Parameters<typeof checkoutPod>[0][]): FakeKube {
  const pods = states.map((state, index) => checkoutPod(state, `checkout-7d9f8b6c5d-${names[index]!}`));
  const kube = new FakeKube().add(...pods, postgresPod(0, 'app-crash'));
  kube.events = pods.map((pod) =>
    warningEvent(
      { kind: 'Pod', name: pod.metadata!.name!, namespace: 'payments' },
      'BackOff',
      `about ${pod.metadata!.name!}`,
    ),
  );
  return kube;
}

describe('podsWithEvents', () => {
  it('lists the pods the selector picks, with the Warning events of each unhealthy one', async () => {
    const found = await podsWithEvents(cluster('app-crash', 'healthy'), 'payments', {
      matchLabels: { app: 'checkout' },
    });

    expect(found.map(({ pod, events }) => [pod.metadata?.name, events.map((event) => event.message)])).toEqual([
      ['checkout-7d9f8b6c5d-a1b2c', ['about checkout-7d9f8b6c5d-a1b2c']],
      ['checkout-7d9f8b6c5d-d3e4f', []],
    ]);
  });

  it('reads the events of the first three unhealthy pods only', async () => {
    const found = await podsWithEvents(
      cluster('app-crash', 'app-crash', 'app-crash', 'app-crash', 'app-crash'),
      'payments',
      'app=checkout',
    );

    expect(found.map(({ events }) => events.length)).toEqual([1, 1, 1, 0, 0]);
  });

  it('reads the nodes of unready pods once each, and judges every pod on such a node by it', async () => {
    const kube = cluster('node-unreachable', 'node-unreachable', 'healthy').add(node('unreachable'));

    const found = await podsWithEvents(kube, 'payments', 'app=checkout');

    expect(found.map((entry) => entry.node?.metadata?.name)).toEqual(
      Array(3).fill('ip-10-0-3-17.eu-west-1.compute.internal'),
    );
    expect(summarizeCauses(found)).toMatchObject({
      unhealthy: 3,
      primary: { count: 3, cause: { kind: 'node-unreachable' } },
    });
  });

  it('reads no node when every pod is ready', async () => {
    const found = await podsWithEvents(cluster('healthy').add(node('unreachable')), 'payments', 'app=checkout');

    expect(found[0]?.node).toBeUndefined();
  });

  it('takes the node of an unready pod as gone when the API server no longer has it', async () => {
    const [found] = await podsWithEvents(cluster('node-unreachable'), 'payments', 'app=checkout');

    expect(found?.node).toBeNull();
  });

  it('reads at most `max` pods', async () => {
    const found = await podsWithEvents(cluster('healthy', 'healthy', 'healthy'), 'payments', 'app=checkout', 2);

    expect(found).toHaveLength(2);
  });

  it('lists nothing for a selector without labels, which would select every pod of the namespace', async () => {
    expect(await podsWithEvents(cluster('app-crash'), 'payments', { matchLabels: {} })).toEqual([]);
    expect(await podsWithEvents(cluster('app-crash'), 'payments', undefined)).toEqual([]);
  });
});

describe('summarizeCauses', () => {
  it('counts the unhealthy pods and names the most frequent cause with how many pods share it and the first pod that has it', () => {
    const pods = [
      checkoutPod('bad-image', 'checkout-7d9f8b6c5d-a1b2c'),
      checkoutPod('app-crash', 'checkout-7d9f8b6c5d-d3e4f'),
      checkoutPod('bad-image', 'checkout-7d9f8b6c5d-g5h6i'),
      checkoutPod('healthy', 'checkout-7d9f8b6c5d-j7k8l'),
    ].map((pod) => ({ pod, events: [] }));

    const { unhealthy, primary } = summarizeCauses(pods);

    expect(unhealthy).toBe(3);
    expect(primary?.count).toBe(2);
    expect(primary?.cause).toMatchObject({ kind: 'bad-image', container: 'app' });
    expect(primary?.pod.metadata?.name).toBe('checkout-7d9f8b6c5d-a1b2c');
  });

  it('finds no cause among healthy pods', () => {
    expect(summarizeCauses([{ pod: checkoutPod('healthy'), events: [] }])).toEqual({
      unhealthy: 0,
      primary: undefined,
    });
  });
});
