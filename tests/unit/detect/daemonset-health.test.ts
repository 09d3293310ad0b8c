import { describe, expect, it } from '@jest/globals';
import type { CoreV1Event, V1DaemonSet, V1Node, V1PodSpec } from '@kubernetes/client-node';

import type { Alert } from '../../../lib/alert/schema.ts';
import { daemonSetHealth, type DaemonSetSnapshot } from '../../../lib/detect/daemonset-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  alertFixture,
  checkoutPod,
  node,
  nodeExporterDaemonSet,
  nodeExporterPod,
  warningEvent,
} from '../../helpers/fixtures.ts';

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

/** node-exporter whose pod template also has `spec` (a nodeSelector, an affinity). */
function withTemplate(spec: Partial<V1PodSpec>, status: Parameters<typeof nodeExporterDaemonSet>[0] = {}): V1DaemonSet {
  const ds = nodeExporterDaemonSet({
    tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
    ...status,
  });
  ds.spec!.template.spec = { ...ds.spec!.template.spec!, ...spec };
  return ds;
}

/** node-exporter wanted on 3 nodes and created on 2 of them. */
function notScheduled(): V1DaemonSet {
  const ds = nodeExporterDaemonSet({
    numberReady: 2,
    tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
  });
  ds.status = { ...ds.status!, currentNumberScheduled: 2, updatedNumberScheduled: 2 };
  return ds;
}

function labelled(n: V1Node, labels: Record<string, string>): V1Node {
  return { ...n, metadata: { ...n.metadata, labels: { ...n.metadata?.labels, ...labels } } };
}

/** The DaemonSet controller's event when the API server refuses one of its pods. */
function failedCreate(message: string): CoreV1Event {
  return {
    ...warningEvent(
      {
        kind: 'DaemonSet',
        name: 'node-exporter',
        namespace: 'monitoring',
        uid: 'd1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a',
      },
      'FailedCreate',
      message,
      { count: 14, at: '2026-11-26T02:18:00Z' },
    ),
    source: { component: 'daemonset-controller' },
    reportingComponent: 'daemonset-controller',
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

  it('reads as many pods as nodes, so no node with a pod looks like one without', async () => {
    const names = Array.from(
      { length: 250 },
      (_, i) => `ip-10-1-${Math.floor(i / 100)}-${i % 100}.eu-west-1.compute.internal`,
    );
    const kube = new FakeKube().add(
      nodeExporterDaemonSet(),
      ...names.map((name) => ({
        ...nodeExporterPod(name, 'healthy'),
        metadata: { ...nodeExporterPod(name, 'healthy').metadata, name: `node-exporter-${name}` },
      })),
    );

    const observed = await daemonSetHealth.observe(notScheduledAlert(), kube);

    expect(observed.pods).toHaveLength(250);
  });

  it('reads the DaemonSet’s own warning events and which alert asked', async () => {
    const kube = new FakeKube().add(nodeExporterDaemonSet(), node('ready', { name: A }));
    kube.events.push(failedCreate('Error creating: pods "node-exporter-x7k2p" is forbidden: exceeded quota: pods'));

    const observed = await daemonSetHealth.observe(notScheduledAlert(), kube);

    expect(observed.events?.map((event) => event.reason)).toEqual(['FailedCreate']);
    expect(observed.alertname).toBe('KubeDaemonSetNotScheduled');
  });

  it('reads no pods or nodes for a DaemonSet that no longer exists', async () => {
    const observed = await daemonSetHealth.observe(notScheduledAlert(), new FakeKube().add(node('ready', { name: A })));

    expect(observed).toMatchObject({ daemonSet: null, pods: [], nodes: [] });
  });
});

describe('daemonset-health detector: diagnose', () => {
  it('lists the selected nodes whose taints it does not tolerate as evidence, not as the cause of what the alert counts', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        pods: [...snapshot().pods, { pod: nodeExporterPod(INFRA, 'healthy'), events: [] }],
        nodes: [
          ...snapshot().nodes,
          node('ready', { name: GPU, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] }),
          node('ready', { name: INFRA, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
        ],
      }),
      now,
    );

    // A tainted node is not in desiredNumberScheduled (most clusters taint their control plane):
    // it explains no shortfall the alerts measure.
    expect(diagnosis).toMatchObject({
      detector: 'daemonset-health',
      anomaly: 'rollout-converging',
      target: { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' },
    });
    expect(diagnosis.evidence).toContainEqual({
      source: 'node',
      message: `node ${GPU} has no pod of it: taint nvidia.com/gpu=true:NoSchedule is not tolerated`,
    });
    expect(diagnosis.evidence.map((e) => e.message).join('\n')).not.toContain('dedicated=infra');
    expect(diagnosis.facts.workload).toMatchObject({
      kind: 'DaemonSet',
      name: 'node-exporter',
      revision: 'generation 2',
    });
  });

  it('answers untolerated-taints when the taints leave it on no node at all', () => {
    const ds = nodeExporterDaemonSet({ numberReady: 0 });
    Object.assign(ds.status!, {
      desiredNumberScheduled: 0,
      currentNumberScheduled: 0,
      updatedNumberScheduled: 0,
      numberAvailable: 0,
    });

    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        daemonSet: ds,
        pods: [],
        nodes: [node('ready', { name: GPU, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] })],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'untolerated-taints',
      summary: `daemonset monitoring/node-exporter runs on no node: the 1 node it selects have taints it does not tolerate: ${GPU} (nvidia.com/gpu=true:NoSchedule); add tolerations if it must run there`,
      confidence: 0.7,
    });
  });

  it('counts the taints the DaemonSet controller tolerates for every DaemonSet, and PreferNoSchedule, as tolerated', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        nodes: [
          ...snapshot().nodes,
          node('unreachable', {
            name: GPU,
            taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
          }),
          node('memory-pressure', {
            name: INFRA,
            taints: [
              { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
              { key: 'spot', value: 'true', effect: 'PreferNoSchedule' },
            ],
          }),
        ],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'rollout-converging',
      summary: `daemonset monitoring/node-exporter has no pod on 2 nodes it should run on (${GPU}, ${INFRA}) and no event says why: the controller may still be creating them (maxUnavailable, or nodes just added)`,
      confidence: 0.4,
    });
  });

  it('does not count a NotReady node’s NoSchedule taint as tolerated, as the controller adds only its NoExecute toleration', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({ nodes: [...snapshot().nodes, node('not-ready', { name: GPU })] }),
      now,
    );

    expect(diagnosis.evidence).toContainEqual({
      source: 'node',
      message: `node ${GPU} has no pod of it: taint node.kubernetes.io/not-ready:NoSchedule is not tolerated`,
    });
  });

  it('explains a shortfall the controller counts by the nodes without a pod, not by tainted nodes it never counts', () => {
    const gpu = node('ready', { name: GPU, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] });
    const situation = (daemonSet: V1DaemonSet) =>
      snapshot({ daemonSet, pods: snapshot().pods.slice(0, 2), nodes: [...snapshot().nodes, gpu] });

    expect(daemonSetHealth.diagnose(situation(notScheduled()), now)).toMatchObject({
      anomaly: 'rollout-converging',
      summary: `daemonset monitoring/node-exporter has no pod on 1 node it should run on (${C}) and no event says why: the controller may still be creating them (maxUnavailable, or nodes just added)`,
    });
    expect(daemonSetHealth.diagnose(situation(withTemplate({})), now).anomaly).toBe('rollout-converging');
  });

  it('says how many nodes, with three examples, when several are excluded', () => {
    const tainted = ['ip-10-0-7-1', 'ip-10-0-7-2', 'ip-10-0-7-3', 'ip-10-0-7-4'].map((name) =>
      node('ready', {
        name: `${name}.eu-west-1.compute.internal`,
        taints: [{ key: 'team', value: 'ml', effect: 'NoExecute' }],
      }),
    );

    const ds = nodeExporterDaemonSet({ numberReady: 0 });
    Object.assign(ds.status!, { desiredNumberScheduled: 0, currentNumberScheduled: 0 });

    const { summary } = daemonSetHealth.diagnose(snapshot({ daemonSet: ds, pods: [], nodes: tainted }), now);

    expect(summary).toBe(
      'daemonset monitoring/node-exporter runs on no node: the 4 nodes it selects have taints it does not tolerate: ip-10-0-7-1.eu-west-1.compute.internal (team=ml:NoExecute); ip-10-0-7-2.eu-west-1.compute.internal (team=ml:NoExecute); ip-10-0-7-3.eu-west-1.compute.internal (team=ml:NoExecute) and 1 more; add tolerations if it must run there',
    );
  });

  it('does not blame taints of nodes its nodeSelector does not select', () => {
    const windows = labelled(
      node('ready', { name: GPU, taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }] }),
      { 'kubernetes.io/os': 'windows' },
    );

    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        daemonSet: withTemplate({ nodeSelector: { 'kubernetes.io/os': 'linux' } }),
        nodes: [...snapshot().nodes, windows],
      }),
      now,
    );

    expect(diagnosis.anomaly).toBe('rollout-converging');
    expect(diagnosis.summary).toBe(
      'daemonset monitoring/node-exporter has a pod on every node it should run on and none reports a problem; its status counts match: the rollout may still be converging (maxUnavailable, minReadySeconds)',
    );
    expect(diagnosis.evidence).toContainEqual({
      source: 'nodes',
      message: `3 of 4 nodes match its nodeSelector and required node affinity; e.g. on ${GPU}: nodeSelector kubernetes.io/os=linux (node has windows) does not match`,
    });
  });

  it('does not blame taints of nodes its required node affinity excludes', () => {
    const controlPlane = labelled(
      node('ready', { name: GPU, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      { 'node-role.kubernetes.io/control-plane': '' },
    );
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
          ],
        },
      },
    };

    const diagnosis = daemonSetHealth.diagnose(
      snapshot({ daemonSet: withTemplate({ affinity }), nodes: [...snapshot().nodes, controlPlane] }),
      now,
    );

    expect(diagnosis.anomaly).toBe('rollout-converging');
  });

  it('counts a pending pod the controller pinned to a node as that node’s pod', () => {
    const pending = nodeExporterPod(C, 'unschedulable');
    pending.spec!.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [C] }] }],
        },
      },
    };

    const diagnosis = daemonSetHealth.diagnose(
      snapshot({ pods: [...snapshot().pods.slice(0, 2), { pod: pending, events: [] }] }),
      now,
    );

    expect(diagnosis.anomaly).toBe('unschedulable');
    expect(diagnosis.evidence.map((e) => e.message)).not.toContain(`node ${C} should run a pod of it and has none`);
  });

  it('reports its pods’ problem before any taint, naming the DaemonSet, a pod and its node', () => {
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
      summary: `daemonset monitoring/node-exporter: 1 of 3 pods are unhealthy, e.g. node-exporter-0231 on ${B}: container node-exporter keeps exiting with code 1 (Error)`,
      confidence: 0.7,
    });
    expect(diagnosis.evidence[0]?.message).toBe(
      'desired 3, scheduled 3, ready 2, updated 3, available 2, misscheduled 0',
    );
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

describe('daemonset-health detector: pods the API server refused', () => {
  const podSecurity =
    'Error creating: pods "node-exporter-x7k2p" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), hostPort (container "node-exporter" uses hostPort 9100), allowPrivilegeEscalation != false (container "node-exporter" must set securityContext.allowPrivilegeEscalation=false)';

  /** node-exporter on A and B only: C's pod was never created. */
  function short(message: string, overrides: Partial<DaemonSetSnapshot> = {}): DaemonSetSnapshot {
    return snapshot({
      daemonSet: notScheduled(),
      pods: snapshot().pods.slice(0, 2),
      events: [failedCreate(message)],
      ...overrides,
    });
  }

  it('blames the refusal for the nodes without a pod, quoting the API server', () => {
    const diagnosis = daemonSetHealth.diagnose(short(podSecurity), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'create-refused',
      confidence: 0.85,
      summary: `daemonset monitoring/node-exporter has no pod on 1 node (${C}) because PodSecurity admission (restricted:latest) refused to create its pods: ${podSecurity.slice(0, 239)}…`,
    });
    expect(diagnosis.evidence[0]).toEqual({
      source: 'event',
      message: `FailedCreate ×14: ${podSecurity}`,
      at: '2026-11-26T02:18:00.000Z',
    });
    expect(diagnosis.evidence).toContainEqual({
      source: 'node',
      message: `node ${C} should run a pod of it and has none`,
    });
  });

  it.each([
    [
      'an admission webhook',
      'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: policy disallow-host-ports',
      'admission webhook validate.kyverno.svc-fail',
    ],
    [
      'a ValidatingAdmissionPolicy',
      "Error creating: pods \"node-exporter-x7k2p\" is forbidden: ValidatingAdmissionPolicy 'no-host-network' with binding 'no-host-network' denied request: hostNetwork is not allowed",
      'ValidatingAdmissionPolicy no-host-network',
    ],
    [
      'a quota',
      'Error creating: pods "node-exporter-x7k2p" is forbidden: exceeded quota: monitoring-pods, requested: pods=1, used: pods=2, limited: pods=2',
      'a ResourceQuota',
    ],
    [
      'anything else',
      'Error creating: pods "node-exporter-x7k2p" is forbidden: error looking up service account monitoring/node-exporter: serviceaccount "node-exporter" not found',
      'the API server',
    ],
  ])('names %s as the refuser', (_, message, refuser) => {
    expect(daemonSetHealth.diagnose(short(message), now).summary).toContain(
      `because ${refuser} refused to create its pods: `,
    );
  });

  it('bounds the event message it carries as evidence', () => {
    const long = `Error creating: admission webhook "policy.example.com" denied the request: ${'x'.repeat(5000)}`;

    const { evidence } = daemonSetHealth.diagnose(short(long), now);

    expect(evidence[0]?.message).toHaveLength(400);
    expect(evidence[0]?.message.endsWith('…')).toBe(true);
  });

  it('counts from the status when the nodes it lacks are not listed', () => {
    const diagnosis = daemonSetHealth.diagnose(short(podSecurity, { nodes: snapshot().nodes.slice(0, 2) }), now);

    expect(diagnosis.summary).toMatch(/^daemonset monitoring\/node-exporter has no pod on 1 node because PodSecurity/);
  });

  it('ignores an old refusal once every node it should run on has its pod', () => {
    const diagnosis = daemonSetHealth.diagnose(snapshot({ events: [failedCreate(podSecurity)] }), now);

    expect(diagnosis.anomaly).toBe('rollout-converging');
  });
});

describe('daemonset-health detector: misscheduled pods', () => {
  it('names a pod on a node its nodeSelector no longer selects, which the controller deletes', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        daemonSet: withTemplate({ nodeSelector: { 'example.com/monitored': 'true' } }, { numberMisscheduled: 1 }),
        nodes: [
          labelled(node('ready', { name: A }), { 'example.com/monitored': 'true' }),
          labelled(node('ready', { name: B }), { 'example.com/monitored': 'true' }),
          labelled(node('ready', { name: C }), { 'example.com/monitored': 'false' }),
        ],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'misscheduled',
      confidence: 0.8,
      summary: `daemonset monitoring/node-exporter runs 1 pod on nodes it should not: node-exporter-0317 on ${C} (nodeSelector example.com/monitored=true (node has false) does not match; the controller deletes it)`,
    });
    expect(diagnosis.evidence).toContainEqual({
      source: 'pod',
      message: `pod node-exporter-0317 runs on node ${C}, where nodeSelector example.com/monitored=true (node has false) does not match`,
    });
  });

  it('names a pod under a NoSchedule taint added later, which the controller keeps, although the status counts none', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        nodes: [
          node('ready', { name: A }),
          node('ready', { name: B, taints: [{ key: 'maintenance', value: 'kernel', effect: 'NoSchedule' }] }),
          node('ready', { name: C }),
        ],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'misscheduled',
      summary: `daemonset monitoring/node-exporter runs 1 pod on nodes it should not: node-exporter-0231 on ${B} (taint maintenance=kernel:NoSchedule is not tolerated; the controller keeps it, as NoSchedule only bars new pods)`,
    });
  });

  it('names a pod under a NoExecute taint it does not tolerate as one the controller deletes', () => {
    const { summary } = daemonSetHealth.diagnose(
      snapshot({
        nodes: [
          node('ready', { name: A }),
          node('ready', { name: B }),
          node('ready', { name: C, taints: [{ key: 'team', value: 'ml', effect: 'NoExecute' }] }),
        ],
      }),
      now,
    );

    expect(summary).toContain(
      `node-exporter-0317 on ${C} (taint team=ml:NoExecute is not tolerated; the controller deletes it)`,
    );
  });

  it('reports unhealthy pods on the nodes it should run on before misscheduled ones, unless KubeDaemonSetMisScheduled asks', () => {
    const situation = (alertname?: string) =>
      snapshot({
        pods: [
          { pod: nodeExporterPod(A, 'bad-image'), events: [] },
          { pod: nodeExporterPod(B, 'healthy'), events: [] },
          { pod: nodeExporterPod(C, 'healthy'), events: [] },
        ],
        nodes: [node('ready', { name: A }), node('ready', { name: B }), node('not-ready', { name: C })],
        ...(alertname === undefined ? {} : { alertname }),
      });

    expect(daemonSetHealth.diagnose(situation(), now).anomaly).toBe('bad-image');
    expect(daemonSetHealth.diagnose(situation('KubeDaemonSetMisScheduled'), now)).toMatchObject({
      anomaly: 'misscheduled',
      summary: `daemonset monitoring/node-exporter runs 1 pod on nodes it should not: node-exporter-0317 on ${C} (taint node.kubernetes.io/not-ready:NoSchedule is not tolerated; the controller keeps it, as NoSchedule only bars new pods)`,
    });
  });

  it('lets the node explain a misscheduled pod’s own problem', () => {
    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        pods: [
          { pod: nodeExporterPod(A, 'healthy'), events: [] },
          { pod: nodeExporterPod(B, 'healthy'), events: [] },
          { pod: nodeExporterPod(C, 'probe-failure'), events: [] },
        ],
        nodes: [node('ready', { name: A }), node('ready', { name: B }), node('not-ready', { name: C })],
      }),
      now,
    );

    expect(diagnosis.anomaly).toBe('misscheduled');
  });

  it('judges only pods this DaemonSet controls', () => {
    const stranger = nodeExporterPod(C, 'healthy');
    stranger.metadata!.ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        name: 'node-exporter-canary',
        uid: 'c0ffee00-0000-4000-8000-000000000000',
        controller: true,
      },
    ];

    const diagnosis = daemonSetHealth.diagnose(
      snapshot({
        pods: [...snapshot().pods, { pod: stranger, events: [] }],
        nodes: [
          node('ready', { name: A }),
          node('ready', { name: B }),
          node('ready', { name: C, taints: [{ key: 'team', value: 'ml', effect: 'NoSchedule' }] }),
        ],
      }),
      now,
    );

    expect(diagnosis.summary).toContain('runs 1 pod on nodes it should not');
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

  it('picks a DaemonSet with a pod under a NoSchedule taint it does not tolerate, although the status counts none', () => {
    const [found] = picked({
      DaemonSet: [nodeExporterDaemonSet()],
      Pod: [A, B, C].map((name) => nodeExporterPod(name, 'healthy')),
      Node: [
        node('ready', { name: A }),
        node('ready', { name: B }),
        node('ready', { name: C, taints: [{ key: 'maintenance', value: 'kernel', effect: 'NoSchedule' }] }),
      ],
    });

    expect(found === undefined ? undefined : daemonSetHealth.diagnose(found, now).anomaly).toBe('misscheduled');
  });

  it('picks a DaemonSet running pods on nodes it should not', () => {
    expect(picked({ DaemonSet: [nodeExporterDaemonSet({ numberMisscheduled: 1 })] }).map((s) => s.name)).toEqual([
      'node-exporter',
    ]);
  });
});
