import { describe, expect, it } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';

import { nodeHealth } from '../../../lib/detect/node-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, node, NODE_NAME, nodeExporterPod, postgresPod } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const OTHER = 'ip-10-0-1-22.eu-west-1.compute.internal';

/** checkout's and postgres' pods and node-exporter on the node, and a pod on another node. */
function pods(): V1Pod[] {
  const elsewhere = postgresPod(1, 'healthy');
  elsewhere.spec!.nodeName = OTHER;
  return [checkoutPod('healthy'), postgresPod(0, 'healthy'), nodeExporterPod(NODE_NAME, 'healthy'), elsewhere];
}

function diagnose(subject: V1Node | null, onNode: V1Pod[] = pods().slice(0, 3)) {
  return nodeHealth.diagnose({ name: NODE_NAME, node: subject, pods: onNode }, now);
}

describe('node-health detector: observe', () => {
  it('reads the node and the pods scheduled on it', async () => {
    const kube = new FakeKube().add(node('unreachable'), ...pods());

    const observed = await nodeHealth.observe(alertFixture('node-not-ready.json'), kube);

    expect(observed.node?.metadata?.name).toBe(NODE_NAME);
    expect(observed.pods.map((pod) => pod.metadata?.name).sort()).toEqual([
      'checkout-7d9f8b6c5d-x2k9p',
      'node-exporter-0317',
      'postgres-0',
    ]);
  });

  it('reads no pods for a node that no longer exists', async () => {
    const observed = await nodeHealth.observe(alertFixture('node-not-ready.json'), new FakeKube().add(...pods()));

    expect(observed).toEqual({ name: NODE_NAME, node: null, pods: [] });
  });
});

describe('node-health detector: diagnose', () => {
  it('tells an unreachable node by its silence, and counts the workload pods at stake', () => {
    const diagnosis = diagnose(node('unreachable'));

    expect(diagnosis).toMatchObject({
      detector: 'node-health',
      anomaly: 'node-unreachable',
      target: { kind: 'Node', name: NODE_NAME },
      summary: `node ${NODE_NAME} has not reported for 15 min (Kubelet stopped posting node status.): the kubelet, the machine or its network is down; its 2 workload pods are evicted once their tolerations expire, and a drain cannot hurry that (no kubelet confirms an eviction) — if the machine is gone for good, taint the node node.kubernetes.io/out-of-service=nodeshutdown:NoExecute or delete it, so its pods are replaced now`,
      confidence: 0.8,
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.; last heartbeat 15 min ago',
      'taints: node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute',
      '3 pods on the node, 2 not from DaemonSets',
    ]);
  });

  it('reports what a drain would move: readiness, cordon, pressures and workload pods, without DaemonSet pods', () => {
    expect(diagnose(node('unreachable')).facts).toEqual({
      node: {
        name: NODE_NAME,
        uid: '5d4c3b2a-0317-4e5f-8a9b-0c1d2e3f4a5b',
        ready: 'Unknown',
        cordoned: false,
        pressures: [],
        workloadPods: 2,
      },
    });
  });

  it('says a NotReady node reports NotReady, for how long and why', () => {
    const diagnosis = diagnose(node('not-ready'));

    expect(diagnosis).toMatchObject({
      anomaly: 'node-not-ready',
      summary: `node ${NODE_NAME} reports NotReady for 20 min: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized`,
    });
    expect(diagnosis.facts.node?.ready).toBe('False');
  });

  it('names the pressure a node reports, which makes the kubelet evict pods', () => {
    const diagnosis = diagnose(node('memory-pressure'));

    expect(diagnosis).toMatchObject({
      anomaly: 'node-pressure',
      summary: `node ${NODE_NAME} reports MemoryPressure: the kubelet evicts pods to recover`,
    });
    expect(diagnosis.evidence).toContainEqual({
      source: 'node.status',
      message: 'MemoryPressure=True (KubeletHasInsufficientMemory): kubelet has insufficient memory available',
    });
    expect(diagnosis.facts.node).toMatchObject({ ready: 'True', pressures: ['MemoryPressure'] });
  });

  it('says when a node is cordoned', () => {
    const cordoned = node('not-ready', { unschedulable: true });

    const diagnosis = diagnose(cordoned);

    expect(diagnosis.facts.node?.cordoned).toBe(true);
    expect(diagnosis.evidence).toContainEqual({ source: 'node.spec', message: 'cordoned (unschedulable)' });
  });

  it('reports recovered for a node that is Ready again', () => {
    expect(diagnose(node('ready'))).toMatchObject({
      anomaly: 'recovered',
      summary: `node ${NODE_NAME} is Ready again`,
      confidence: 0.7,
    });
  });

  it('reports gone for a node scaled in or replaced', () => {
    expect(diagnose(null, [])).toMatchObject({
      anomaly: 'gone',
      summary: `node ${NODE_NAME} no longer exists (scaled in or replaced)`,
      facts: {},
    });
  });
});

describe('node-health detector: audit', () => {
  function picked(nodes: V1Node[]) {
    return [...nodeHealth.audit!.snapshots(createListing({ Node: nodes, Pod: pods() }), now)];
  }

  it('skips a Ready node without pressure', () => {
    expect(picked([node('ready')])).toEqual([]);
  });

  it('picks a NotReady or unreachable node, with the pods on it only', () => {
    const found = picked([node('not-ready'), node('unreachable', { name: OTHER })]);

    expect(found.map((s) => [s.name, s.pods.map((pod) => pod.metadata?.name).sort()])).toEqual([
      [NODE_NAME, ['checkout-7d9f8b6c5d-x2k9p', 'node-exporter-0317', 'postgres-0']],
      [OTHER, ['postgres-1']],
    ]);
  });

  it('picks a Ready node under pressure', () => {
    expect(picked([node('memory-pressure')]).map((s) => s.name)).toEqual([NODE_NAME]);
  });
});
