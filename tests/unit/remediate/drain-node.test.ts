import { afterEach, describe, expect, it, jest } from '@jest/globals';

import type { Plan } from '../../../lib/domain/types.ts';
import { drainNode } from '../../../lib/remediate/drain-node.ts';
import { DrainLimitsSchema } from '../../../lib/remediate/node-fixes.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { isRefusal } from '../../../lib/remediate/remediator.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { NODE_NAME, NODE_UID, node, nodeNotReadyDiagnosis, podOnNode } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** The merged config limits, as the fix receives them (its own schema keeps its keys). */
function limitsWith(overrides: Record<string, unknown> = {}) {
  return DrainLimitsSchema.parse(LimitsSchema.parse(overrides));
}
const defaults = limitsWith();

function drainPlan(): Plan {
  const planned = drainNode.plan(nodeNotReadyDiagnosis(), defaults, now);
  if (isRefusal(planned)) throw new Error(planned.refused);
  return planned;
}

/** The NotReady node with two workload pods and a DaemonSet's pod. */
function drainableNode(): FakeKube {
  return new FakeKube().add(
    node(NODE_NAME, { ready: 'False' }),
    podOnNode('payments', 'checkout-7d9f8b6c5d-x2k9p'),
    podOnNode('payments', 'ledger-1', { owner: { kind: 'StatefulSet', name: 'ledger' } }),
    podOnNode('monitoring', 'node-exporter-5kq2w', { owner: { kind: 'DaemonSet', name: 'node-exporter' } }),
    podOnNode('payments', 'cart-6b7c8d9e0f-p2q3r', { nodeName: 'ip-10-0-2-9.eu-west-1.compute.internal' }),
  );
}

afterEach(() => {
  jest.useRealTimers();
});

describe('drain-node plan', () => {
  it('drains the diagnosed node to move its workload pods', () => {
    expect(drainNode.plan(nodeNotReadyDiagnosis(), defaults, now)).toEqual({
      action: 'drain-node',
      target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
      params: { cordonedBefore: false },
      reason: `node ${NODE_NAME} reports NotReady for 6m: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady: move its 7 workload pods to healthy nodes`,
    });
  });

  it.each(['node-not-ready', 'node-pressure'])(
    'answers %s, whose node still has a kubelet to stop the evicted pods',
    (anomaly) => {
      expect(drainNode.plan(nodeNotReadyDiagnosis({}, anomaly), defaults, now)).toMatchObject({ action: 'drain-node' });
    },
  );

  it('does not plan a drain of a node with no workload pods (nothing to move, so nothing to suggest)', () => {
    const empty = nodeNotReadyDiagnosis({ node: { ...nodeNotReadyDiagnosis().facts.node!, workloadPods: 0 } });

    expect(drainNode.plan(empty, defaults, now)).toEqual({
      refused: `node ${NODE_NAME} runs no workload pods to move (only DaemonSet pods, or none)`,
      fits: true,
    });
  });

  it('does not answer an unreachable node: no kubelet would confirm its evictions', () => {
    expect(drainNode.plan(nodeNotReadyDiagnosis({}, 'node-unreachable'), defaults, now)).toMatchObject({
      fits: false,
      refused: expect.stringMatching(/not node-unreachable$/),
    });
  });

  it('answers no other anomaly, even with a node in the facts', () => {
    expect(drainNode.plan(nodeNotReadyDiagnosis({}, 'crash-loop'), defaults, now)).toEqual({
      refused: 'drain-node answers node-not-ready, node-pressure, not crash-loop',
      fits: false,
    });
  });
});

describe('drain-node limits', () => {
  it('gives up after 120 seconds by default', () => {
    expect(defaults).toEqual({ drainTimeoutSeconds: 120 });
  });

  it('accepts a timeout up to 840 seconds (what fits in one remediator invocation)', () => {
    expect(limitsWith({ drainTimeoutSeconds: 840 })).toEqual({ drainTimeoutSeconds: 840 });
  });

  it.each([841, 0])('rejects a timeout of %i seconds', (drainTimeoutSeconds) => {
    expect(() => limitsWith({ drainTimeoutSeconds })).toThrow();
  });
});

describe('drain-node inspect', () => {
  it('finds nothing in the way when every pod to move has a controller', async () => {
    expect((await drainNode.inspect(drainPlan(), drainableNode())).blocker).toBeUndefined();
  });

  it('blocks when a pod without a controller would be lost for good', async () => {
    const kube = drainableNode().add(podOnNode('default', 'debug-shell', { owner: null }));

    expect((await drainNode.inspect(drainPlan(), kube)).blocker).toBe(
      'pods without a controller would be lost for good: default/debug-shell',
    );
  });

  it('does not count a finished bare pod, which a drain leaves alone', async () => {
    const kube = drainableNode().add(podOnNode('default', 'one-off-migration', { owner: null, phase: 'Succeeded' }));

    expect((await drainNode.inspect(drainPlan(), kube)).blocker).toBeUndefined();
  });
});

describe('drain-node apply', () => {
  it('cordons the node and evicts its workload pods, leaving DaemonSet pods and other nodes alone', async () => {
    const kube = drainableNode();

    const applied = await drainNode.apply(drainPlan(), {}, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: `cordoned and drained node ${NODE_NAME}: 2 pods evicted`,
      diff: [
        'spec.unschedulable: (none) → true',
        'pod payments/checkout-7d9f8b6c5d-x2k9p: evicted',
        'pod payments/ledger-1: evicted',
      ],
      undo: { cordoned: true },
    });
    expect([...kube.pods.keys()]).toEqual(['monitoring/node-exporter-5kq2w', 'payments/cart-6b7c8d9e0f-p2q3r']);
  });

  it('dry-runs the cordon and every eviction, changing nothing', async () => {
    const kube = drainableNode();

    const { change } = await drainNode.apply(drainPlan(), {}, kube, { dryRun: true, limits: defaults });

    expect(change).toBe(`would cordon and drain node ${NODE_NAME}: 2 pods evicted`);
    expect(kube.writes.every((w) => w.dryRun)).toBe(true);
    expect(kube.pods.size).toBe(4);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBeUndefined();
  });

  it('gives up on a pod its PodDisruptionBudget holds back after drainTimeoutSeconds, leaving the node cordoned', async () => {
    jest.useFakeTimers({ now });
    const kube = drainableNode();
    kube.guardedByBudget.add('payments/ledger-1');

    const draining = drainNode.apply(drainPlan(), {}, kube, {
      dryRun: false,
      limits: limitsWith({ drainTimeoutSeconds: 6 }),
    });
    await jest.advanceTimersByTimeAsync(6_000);
    const applied = await draining;

    expect(applied.change).toBe(
      `cordoned and drained node ${NODE_NAME}: 1 pods evicted; 1 held back by PodDisruptionBudgets: payments/ledger-1`,
    );
    expect(applied.undo).toEqual({ cordoned: true });
    expect(kube.pods.has('payments/ledger-1')).toBe(true);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(true);
  });

  it('records that it did not cordon a node cordoned already', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));

    const applied = await drainNode.apply(drainPlan(), {}, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: `cordoned and drained node ${NODE_NAME}: 0 pods evicted`,
      diff: [],
      undo: { cordoned: false },
    });
  });
});

describe('drain-node check and revert', () => {
  it('is progressing while a workload pod is still on the node', async () => {
    const kube = drainableNode();

    expect(await drainNode.check!(drainPlan(), {}, kube, { change: '' }, now)).toEqual({
      state: 'progressing',
      detail: `2 pods still on node ${NODE_NAME}: payments/checkout-7d9f8b6c5d-x2k9p, payments/ledger-1`,
    });
  });

  it('uncordons a node the drain cordoned (evicted pods stay where they went)', async () => {
    const kube = drainableNode();
    const applied = await drainNode.apply(drainPlan(), {}, kube, { dryRun: false, limits: defaults });

    const undone = await drainNode.revert!(drainPlan(), {}, kube, applied);

    expect(undone).toBe(`uncordoned node ${NODE_NAME}`);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(false);
  });

  it('leaves a node cordoned before the drain as it was', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));

    const undone = await drainNode.revert!(drainPlan(), {}, kube, { change: '', undo: { cordoned: false } });

    expect(undone).toBe(`node ${NODE_NAME} was cordoned before: left as it was`);
    expect(kube.writes).toEqual([]);
  });
});
