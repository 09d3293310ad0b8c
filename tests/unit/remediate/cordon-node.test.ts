import { describe, expect, it } from '@jest/globals';

import type { Plan } from '../../../lib/domain/types.ts';
import { cordonNode } from '../../../lib/remediate/cordon-node.ts';
import { isRefusal } from '../../../lib/remediate/remediator.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { NODE_NAME, NODE_UID, node, nodeNotReadyDiagnosis } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function cordonPlan(): Plan {
  const planned = cordonNode.plan(nodeNotReadyDiagnosis(), {}, now);
  if (isRefusal(planned)) throw new Error(planned.refused);
  return planned;
}

describe('cordon-node plan', () => {
  it('cordons the diagnosed node', () => {
    expect(cordonNode.plan(nodeNotReadyDiagnosis(), {}, now)).toEqual({
      action: 'cordon-node',
      target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
      params: { cordonedBefore: false },
      reason: `node ${NODE_NAME} reports NotReady for 6m: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady: keep new pods off it while it recovers`,
    });
  });
});

describe('cordon-node inspect', () => {
  it('gives the guardrails the node’s metadata and the nodes out of service, not the node object', async () => {
    const kube = new FakeKube().add(
      node(NODE_NAME, { ready: 'False' }),
      node('ip-10-0-2-9.eu-west-1.compute.internal'),
    );

    const state = await cordonNode.inspect(cordonPlan(), kube);

    expect(state).toEqual({
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': NODE_NAME, 'topology.kubernetes.io/zone': 'eu-west-1a' },
      // The NotReady node is out of service already: cordoning it takes nothing more away.
      disruption: { replicas: 2, unavailable: 1, adds: 0 },
    });
  });
});

describe('cordon-node apply', () => {
  it('marks the node unschedulable and records that kubemend cordoned it', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False' }));
    const plan = cordonPlan();

    const applied = await cordonNode.apply(plan, {}, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change: `cordoned node ${NODE_NAME}`,
      diff: ['spec.unschedulable: (none) → true'],
      undo: { cordoned: true },
    });
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(true);
  });

  it('dry-runs the cordon without marking the node', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False' }));
    const plan = cordonPlan();

    const { change } = await cordonNode.apply(plan, {}, kube, { dryRun: true, limits: {} });

    expect(change).toBe(`would cordon node ${NODE_NAME}`);
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', kind: 'Node', dryRun: true })]);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBeUndefined();
  });

  it('writes nothing for a node cordoned already, and records that it was not kubemend', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));
    const plan = cordonPlan();

    const applied = await cordonNode.apply(plan, {}, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({ change: `node ${NODE_NAME} was already cordoned`, diff: [], undo: { cordoned: false } });
    expect(kube.writes).toEqual([]);
  });
});

describe('cordon-node check', () => {
  it('is healthy while the node stays cordoned', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));
    const plan = cordonPlan();

    expect(await cordonNode.check!(plan, {}, kube, { change: '' }, now)).toEqual({
      state: 'healthy',
      detail: `node ${NODE_NAME} is cordoned`,
    });
  });
});

describe('cordon-node revert', () => {
  it('uncordons a node kubemend cordoned', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False' }));
    const plan = cordonPlan();
    const applied = await cordonNode.apply(plan, {}, kube, { dryRun: false, limits: {} });

    const undone = await cordonNode.revert!(plan, {}, kube, applied);

    expect(undone).toBe(`uncordoned node ${NODE_NAME}`);
    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(false);
  });

  it('leaves a node that was cordoned before as it was', async () => {
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));
    const plan = cordonPlan();

    const undone = await cordonNode.revert!(plan, {}, kube, { change: '', diff: [], undo: { cordoned: false } });

    expect(undone).toBe(`node ${NODE_NAME} was cordoned before: left as it was`);
    expect(kube.writes).toEqual([]);
  });

  // A run resumed after a crash finds the first run's cordon: the plan says the node was not
  // cordoned, so the undo still uncordons it.
  it('still uncordons on revert after a second run found its own cordon', async () => {
    const plan = cordonPlan();
    const kube = new FakeKube().add(node(NODE_NAME, { ready: 'False', cordoned: true }));

    const applied = await cordonNode.apply(plan, plan.params, kube, { dryRun: false, limits: {} });
    await cordonNode.revert!(plan, plan.params, kube, applied);

    expect((await kube.read('Node', NODE_NAME)).spec?.unschedulable).toBe(false);
  });
});
