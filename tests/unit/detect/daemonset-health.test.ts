import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { daemonSetHealth, type DaemonSetSnapshot } from '../../../lib/detect/daemonset-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, node, nodeExporterDaemonSet, nodeExporterPod } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const A = 'ip-10-0-1-22.eu-west-1.compute.internal';
const B = 'ip-10-0-2-31.eu-west-1.compute.internal';
const C = 'ip-10-0-3-17.eu-west-1.compute.internal';
const GPU = 'ip-10-0-5-40.eu-west-1.compute.internal';
const INFRA = 'ip-10-0-6-12.eu-west-1.compute.internal';

function notScheduledAlert(): Alert {
  const alert = alertFixture('deployment-rollout-stuck.json');
  const labels = Object.assign(Object.create(null) as Record<string, string>, alert.labels, {
    alertname: 'KubeDaemonSetNotScheduled',
    namespace: 'monitoring',
    daemonset: 'node-exporter',
  });
  delete labels.deployment;
  return { ...alert, labels };
}

/** node-exporter on nodes A, B and C, all three ready, tolerating `dedicated` taints. */
function snapshot(overrides: Partial<DaemonSetSnapshot> = {}): DaemonSetSnapshot {
  return {
    namespace: 'monitoring',
    name: 'node-exporter',
    daemonSet: nodeExporterDaemonSet({ tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }),
    pods: [A, B, C].map((name) => ({ pod: nodeExporterPod(name, 'healthy'), events: [] })),
    nodes: [node('ready', { name: A }), node('ready', { name: B }), node('ready', { name: C })],
    ...overrides,
  };
}

describe('daemonset-health detector: observe', () => {
  it('reads the DaemonSet, its pods and every node', async () => {
    const kube = new FakeKube().add(
      nodeExporterDaemonSet(),
      nodeExporterPod(A, 'healthy'),
      checkoutPod('healthy'),
      node('ready', { name: A }),
      node('ready', { name: B }),
    );

    const observed = await daemonSetHealth.observe(notScheduledAlert(), kube);

    expect(observed.pods.map(({ pod }) => pod.spec?.nodeName)).toEqual([A]);
    expect(observed.nodes.map((n) => n.metadata?.name)).toEqual([A, B]);
  });

  it('reads no pods or nodes for a DaemonSet that no longer exists', async () => {
    const observed = await daemonSetHealth.observe(notScheduledAlert(), new FakeKube().add(node('ready', { name: A })));

    expect(observed).toMatchObject({ daemonSet: null, pods: [], nodes: [] });
  });
});

describe('daemonset-health detector: diagnose', () => {
  it('names the nodes whose taints it does not tolerate, and not those it does', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        nodes: [
          ...snapshot().nodes,
          node('ready', { name: GPU, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] }),
          node('ready', { name: INFRA, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
        ],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      detector: 'daemonset-health',
      anomaly: 'untolerated-taints',
      target: { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' },
      summary: `1 node has taints the DaemonSet does not tolerate, e.g. ${GPU} (nvidia.com/gpu=true:NoSchedule): add tolerations if it must run there`,
      confidence: 0.7,
    });
    expect(diagnosis.facts.workload).toMatchObject({
      kind: 'DaemonSet',
      name: 'node-exporter',
      revision: 'generation 2',
    });
  });

  it('counts taints the DaemonSet controller tolerates for every DaemonSet, and PreferNoSchedule, as tolerated', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        nodes: [
          ...snapshot().nodes,
          node('not-ready', { name: GPU }),
          node('memory-pressure', {
            name: INFRA,
            taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
          }),
        ],
      }),
      now,
    );

    expect(diagnosis.anomaly).toBe('rollout-converging');
  });

  it('says how many nodes, with three examples, when several are excluded', () => {
    const tainted = ['ip-10-0-7-1', 'ip-10-0-7-2', 'ip-10-0-7-3', 'ip-10-0-7-4'].map((name) =>
      node('ready', {
        name: `${name}.eu-west-1.compute.internal`,
        taints: [{ key: 'team', value: 'ml', effect: 'NoExecute' }],
      }),
    );

    const { summary } = daemonSetHealth.diagnose(snapshot({ nodes: [...snapshot().nodes, ...tainted] }), now);

    expect(summary).toBe(
      '4 nodes have taints the DaemonSet does not tolerate, e.g. ip-10-0-7-1.eu-west-1.compute.internal (team=ml:NoExecute); ip-10-0-7-2.eu-west-1.compute.internal (team=ml:NoExecute); ip-10-0-7-3.eu-west-1.compute.internal (team=ml:NoExecute): add tolerations if it must run there',
    );
  });

  it('reports its pods’ problem before any taint', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        daemonSet: nodeExporterDaemonSet({ numberReady: 2 }),
        pods: [
          { pod: nodeExporterPod(A, 'healthy'), events: [] },
          { pod: nodeExporterPod(B, 'app-crash'), events: [] },
          { pod: nodeExporterPod(C, 'healthy'), events: [] },
        ],
        nodes: [
          ...snapshot().nodes,
          node('ready', { name: GPU, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] }),
        ],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'app-crash',
      summary: '1 of 3 pods are unhealthy — container node-exporter keeps exiting with code 1 (Error)',
      confidence: 0.7,
    });
    expect(diagnosis.evidence[0]?.message).toBe('desired 3, scheduled 3, ready 2, updated 3, misscheduled 0');
  });

  it('reports a shortfall nothing here explains as rollout-converging, barely sure', () => {
    expect(daemonSetHealth.diagnose(snapshot(), now)).toMatchObject({ anomaly: 'rollout-converging', confidence: 0.3 });
  });

  it('reports gone for a DaemonSet that no longer exists', () => {
    expect(daemonSetHealth.diagnose(snapshot({ daemonSet: null, pods: [], nodes: [] }), now)).toMatchObject({
      anomaly: 'gone',
      summary: 'daemonset monitoring/node-exporter no longer exists',
    });
  });
});

describe('daemonset-health detector: audit', () => {
  function picked(objects: Parameters<typeof createListing>[0]) {
    return [...daemonSetHealth.audit!.snapshots(createListing(objects), now)];
  }

  it('skips a DaemonSet ready on every node it should run on', () => {
    expect(picked({ DaemonSet: [nodeExporterDaemonSet()] })).toEqual([]);
  });

  it('picks a DaemonSet short of ready pods, with its pods and every listed node', () => {
    const [snapshot, ...rest] = picked({
      DaemonSet: [nodeExporterDaemonSet({ numberReady: 2 })],
      Pod: [nodeExporterPod(A, 'healthy'), nodeExporterPod(B, 'app-crash'), checkoutPod('app-crash')],
      Node: [node('ready', { name: A }), node('ready', { name: B })],
    });

    expect(rest).toEqual([]);
    expect(snapshot?.pods.map(({ pod }) => pod.spec?.nodeName)).toEqual([A, B]);
    expect(snapshot?.nodes.map((n) => n.metadata?.name)).toEqual([A, B]);
  });

  it('picks a DaemonSet running pods on nodes it should not', () => {
    expect(picked({ DaemonSet: [nodeExporterDaemonSet({ numberMisscheduled: 1 })] }).map((s) => s.name)).toEqual([
      'node-exporter',
    ]);
  });
});
