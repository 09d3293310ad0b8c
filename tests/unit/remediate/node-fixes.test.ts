import { describe, expect, it } from '@jest/globals';

import { NotFoundError } from '../../../lib/errors.ts';
import {
  cordonedHealth,
  drainedHealth,
  evictable,
  evictAll,
  inspectNode,
  planNodeFix,
  setUnschedulable,
} from '../../../lib/remediate/node-fixes.ts';
import type { Plan } from '../../../lib/domain/types.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  NODE_NAME,
  NODE_UID,
  node,
  nodeFacts,
  nodeNotReadyDiagnosis,
  podOnNode,
} from '../../helpers/remediate-fixtures.ts';

const SUMMARY = `node ${NODE_NAME} reports NotReady for 6m: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady`;

function nodePlan(action: 'cordon-node' | 'drain-node'): Plan {
  return { action, target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID }, params: {}, reason: SUMMARY };
}

/** The pods a drain meets on a node: two workload pods, a DaemonSet's, a mirror pod and finished ones. */
function podsOnTheNode() {
  return [
    podOnNode('payments', 'checkout-7d9f8b6c5d-x2k9p'),
    podOnNode('payments', 'ledger-1', { owner: { kind: 'StatefulSet', name: 'ledger' } }),
    podOnNode('monitoring', 'node-exporter-5kq2w', { owner: { kind: 'DaemonSet', name: 'node-exporter' } }),
    podOnNode('kube-system', `kube-proxy-${NODE_NAME}`, { owner: { kind: 'Node', name: NODE_NAME }, mirror: true }),
    podOnNode('payments', 'settlement-28891440-7xk2p', {
      owner: { kind: 'Job', name: 'settlement-28891440' },
      phase: 'Succeeded',
    }),
    podOnNode('payments', 'settlement-28891380-b9m4c', {
      owner: { kind: 'Job', name: 'settlement-28891380' },
      phase: 'Failed',
    }),
    podOnNode('payments', 'checkout-7d9f8b6c5d-h6j7k', { deleting: true }),
  ];
}

describe('planNodeFix', () => {
  it('cordons a NotReady node to keep new pods off it', () => {
    expect(planNodeFix('cordon-node', nodeNotReadyDiagnosis())).toEqual({
      action: 'cordon-node',
      target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
      params: { cordonedBefore: false },
      reason: `${SUMMARY}: keep new pods off it while it recovers`,
    });
  });

  it('drains a NotReady node to move its workload pods to healthy nodes', () => {
    expect(planNodeFix('drain-node', nodeNotReadyDiagnosis())).toEqual({
      action: 'drain-node',
      target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
      params: { cordonedBefore: false },
      reason: `${SUMMARY}: move its 7 workload pods to healthy nodes`,
    });
  });

  it('acts on a Ready node under pressure', () => {
    const diagnosis = nodeNotReadyDiagnosis(
      { node: nodeFacts({ ready: 'True', pressures: ['MemoryPressure'] }) },
      'node-pressure',
    );

    expect(planNodeFix('cordon-node', diagnosis)).toMatchObject({ action: 'cordon-node', params: {} });
  });

  it('acts on a node that stopped reporting (Ready Unknown)', () => {
    const diagnosis = nodeNotReadyDiagnosis({ node: nodeFacts({ ready: 'Unknown' }) }, 'node-unreachable');

    expect(planNodeFix('drain-node', diagnosis)).toMatchObject({ action: 'drain-node' });
  });

  it.each(['cordon-node', 'drain-node'] as const)('%s refuses a node that is Ready without pressure', (action) => {
    const diagnosis = nodeNotReadyDiagnosis({ node: nodeFacts({ ready: 'True' }) }, 'recovered');

    expect(planNodeFix(action, diagnosis)).toEqual({
      refused: `node ${NODE_NAME} is Ready with no pressure`,
      fits: true,
    });
  });

  it('refuses to cordon a node cordoned already', () => {
    const diagnosis = nodeNotReadyDiagnosis({ node: nodeFacts({ cordoned: true }) });

    expect(planNodeFix('cordon-node', diagnosis)).toEqual({
      refused: `node ${NODE_NAME} is cordoned already`,
      fits: true,
    });
  });

  it('still drains a node cordoned already', () => {
    const diagnosis = nodeNotReadyDiagnosis({ node: nodeFacts({ cordoned: true }) });

    expect(planNodeFix('drain-node', diagnosis)).toMatchObject({ action: 'drain-node' });
  });

  it('does not fit a diagnosis that names no node', () => {
    expect(planNodeFix('drain-node', nodeNotReadyDiagnosis({ node: undefined }))).toEqual({
      refused: 'the diagnosis names no node',
      fits: false,
    });
  });
});

describe('evictable', () => {
  it('keeps the pods a drain must move: not DaemonSet-run, not mirror, not finished, not terminating', () => {
    expect(evictable(podsOnTheNode()).map((pod) => pod.metadata?.name)).toEqual([
      'checkout-7d9f8b6c5d-x2k9p',
      'ledger-1',
    ]);
  });

  it('keeps a bare pod (drain-node refuses it separately)', () => {
    expect(evictable([podOnNode('default', 'debug-shell', { owner: null })])).toHaveLength(1);
  });
});

describe('drainedHealth', () => {
  it('is healthy once only pods a drain leaves are on the node', () => {
    expect(drainedHealth(NODE_NAME, podsOnTheNode().slice(2))).toEqual({
      state: 'healthy',
      detail: `no pods left to move off node ${NODE_NAME}`,
    });
  });

  it('is progressing while workload pods are still on the node, naming them', () => {
    expect(drainedHealth(NODE_NAME, podsOnTheNode())).toEqual({
      state: 'progressing',
      detail: `2 pods still on node ${NODE_NAME}: payments/checkout-7d9f8b6c5d-x2k9p, payments/ledger-1`,
    });
  });

  it('names at most five of the pods left', () => {
    const pods = Array.from({ length: 7 }, (_, i) => podOnNode('payments', `worker-${i}`));

    expect(drainedHealth(NODE_NAME, pods).detail).toBe(
      `7 pods still on node ${NODE_NAME}: payments/worker-0, payments/worker-1, payments/worker-2, payments/worker-3, payments/worker-4`,
    );
  });
});

describe('cordonedHealth', () => {
  it('is healthy while the node stays cordoned', () => {
    expect(cordonedHealth(node(NODE_NAME, { ready: 'False', cordoned: true }))).toEqual({
      state: 'healthy',
      detail: `node ${NODE_NAME} is cordoned`,
    });
  });

  it('fails when someone uncordoned the node', () => {
    expect(cordonedHealth(node(NODE_NAME, { ready: 'False' }))).toEqual({
      state: 'failed',
      detail: `node ${NODE_NAME} was uncordoned by someone else`,
    });
  });
});

describe('inspectNode', () => {
  it('counts the nodes and those out of service; a schedulable node adds one', async () => {
    const kube = new FakeKube().add(
      node(NODE_NAME, { ready: 'True' }),
      node('ip-10-0-1-4.eu-west-1.compute.internal', { cordoned: true }),
      node('ip-10-0-2-9.eu-west-1.compute.internal'),
      node('ip-10-0-4-21.eu-west-1.compute.internal'),
    );

    const state = await inspectNode(nodePlan('cordon-node'), kube);

    expect(state.disruption).toEqual({ replicas: 4, unavailable: 1, adds: 1 });
    expect(state.node.metadata?.name).toBe(NODE_NAME);
    expect(state.labels).toEqual({ 'kubernetes.io/hostname': NODE_NAME, 'topology.kubernetes.io/zone': 'eu-west-1a' });
  });

  it('adds nothing for a node cordoned already', async () => {
    const kube = new FakeKube().add(
      node(NODE_NAME, { ready: 'False', cordoned: true }),
      node('ip-10-0-2-9.eu-west-1.compute.internal'),
    );

    expect((await inspectNode(nodePlan('drain-node'), kube)).disruption).toEqual({
      replicas: 2,
      unavailable: 1,
      adds: 0,
    });
  });

  // A NotReady node is already counted out of service: cordoning or draining it takes no more
  // away (else the share cap refuses the only NotReady node of a 4-node cluster).
  it('adds nothing for a NotReady node, already counted out of service', async () => {
    const kube = new FakeKube().add(
      node(NODE_NAME, { ready: 'False' }),
      node('ip-10-0-1-4.eu-west-1.compute.internal'),
      node('ip-10-0-2-9.eu-west-1.compute.internal'),
      node('ip-10-0-4-21.eu-west-1.compute.internal'),
    );

    expect((await inspectNode(nodePlan('cordon-node'), kube)).disruption).toEqual({
      replicas: 4,
      unavailable: 1,
      adds: 0,
    });
  });
});

describe('setUnschedulable', () => {
  it('marks the node unschedulable and returns the diff', async () => {
    const kube = new FakeKube().add(node());

    expect(await setUnschedulable(kube, NODE_NAME, true, false)).toEqual(['spec.unschedulable: (none) → true']);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(true);
  });

  it('writes nothing when the node already is as asked', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { cordoned: true }));

    expect(await setUnschedulable(kube, NODE_NAME, true, false)).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('dry-runs the change without marking the node', async () => {
    const kube = new FakeKube().add(node());

    expect(await setUnschedulable(kube, NODE_NAME, true, true)).toEqual(['spec.unschedulable: (none) → true']);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBeUndefined();
  });
});

describe('evictAll', () => {
  const noSleep = async () => undefined;

  it('evicts every pod a drain must move and leaves the others', async () => {
    const kube = new FakeKube().add(node(), ...podsOnTheNode());

    const result = await evictAll(kube, NODE_NAME, { dryRun: false, timeoutMs: 60_000, sleep: noSleep });

    expect(result).toEqual({ evicted: ['payments/checkout-7d9f8b6c5d-x2k9p', 'payments/ledger-1'], blocked: [] });
    expect(kube.writes.map((w) => [w.verb, w.name])).toEqual([
      ['evict', 'checkout-7d9f8b6c5d-x2k9p'],
      ['evict', 'ledger-1'],
    ]);
    expect([...kube.pods.keys()]).not.toContain('payments/ledger-1');
  });

  it('retries a pod its PodDisruptionBudget holds back until the budget allows it', async () => {
    const kube = new FakeKube().add(node(), ...podsOnTheNode());
    kube.guardedByBudget.add('payments/ledger-1');
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      kube.guardedByBudget.clear(); // the replacement elsewhere became ready
    };

    const result = await evictAll(kube, NODE_NAME, { dryRun: false, timeoutMs: 60_000, sleep });

    expect(result).toEqual({ evicted: ['payments/checkout-7d9f8b6c5d-x2k9p', 'payments/ledger-1'], blocked: [] });
    expect(sleeps).toEqual([2000]);
  });

  it('gives up on a held-back pod when the time is up, saying why', async () => {
    const kube = new FakeKube().add(node(), ...podsOnTheNode());
    kube.guardedByBudget.add('payments/ledger-1');

    const result = await evictAll(kube, NODE_NAME, { dryRun: false, timeoutMs: 0, sleep: noSleep });

    expect(result).toEqual({
      evicted: ['payments/checkout-7d9f8b6c5d-x2k9p'],
      blocked: [
        {
          pod: 'payments/ledger-1',
          why: "evict pod payments/ledger-1: Cannot evict pod as it would violate the pod's disruption budget.",
        },
      ],
    });
  });

  it('asks once in a dry run, without waiting for a budget', async () => {
    const kube = new FakeKube().add(node(), ...podsOnTheNode());
    kube.guardedByBudget.add('payments/ledger-1');
    const sleeps: number[] = [];

    const result = await evictAll(kube, NODE_NAME, {
      dryRun: true,
      timeoutMs: 60_000,
      sleep: async (ms) => void sleeps.push(ms),
    });

    expect(result.blocked).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(kube.pods.size).toBe(podsOnTheNode().length);
  });

  it('skips a pod that went away on its own during the drain', async () => {
    class VanishingKube extends FakeKube {
      override async evictPod(namespace: string, name: string, options: { dryRun: boolean; uid: string }) {
        if (name === 'ledger-1') throw new NotFoundError(`pod ${namespace}/${name} not found`);
        return super.evictPod(namespace, name, options);
      }
    }
    const kube = new VanishingKube().add(node(), ...podsOnTheNode());

    const result = await evictAll(kube, NODE_NAME, { dryRun: false, timeoutMs: 60_000, sleep: noSleep });

    expect(result).toEqual({ evicted: ['payments/checkout-7d9f8b6c5d-x2k9p'], blocked: [] });
  });
});
