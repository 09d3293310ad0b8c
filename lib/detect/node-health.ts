import type { V1Node, V1Pod } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import type { NodeFacts } from '../domain/facts.ts';
import { keepAll } from '../kube/listing.ts';
import { condition } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { age, gone } from './k8s-util.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';

export interface NodeSnapshot {
  name: string;
  node: V1Node | null;
  pods: V1Pod[];
}

const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export type NodeAnomaly = 'node-unreachable' | 'node-pressure' | 'node-not-ready' | 'recovered' | 'gone';

export const nodeHealth: Detector<NodeSnapshot, NodeAnomaly> = {
  name: 'node-health',
  description:
    'KubeNodeNotReady, KubeNodeUnreachable, KubeNodePressure: what the node last reported and when, its pressure conditions and taints, and how many workload pods it would take down.',
  reads: [
    { apiGroup: '', resource: 'nodes', verbs: ['get'] },
    { apiGroup: '', resource: 'pods', verbs: ['list'] },
  ],
  anomalies: {
    'node-unreachable': ['node'],
    'node-pressure': ['node'],
    'node-not-ready': ['node'],
    recovered: ['node'],
    gone: [],
  },
  settled: ['recovered', 'gone'],

  observe: async (alert, kube) => {
    const name = requireLabel(alert, 'node');
    const node = await orNull(kube.read('Node', name));
    const pods = node === null ? [] : await kube.list('Pod', { fieldSelector: `spec.nodeName=${name}`, max: 1000 });
    return { name, node, pods };
  },

  diagnose: (snapshot, now) => {
    const target = { kind: 'Node', name: snapshot.name, uid: snapshot.node?.metadata?.uid };
    const base = { detector: nodeHealth.name, target };
    const { node } = snapshot;
    if (node === null) return gone(base, `node ${snapshot.name} no longer exists (scaled in or replaced)`, 0.8);
    const evidence: Evidence[] = [];
    const ready = condition(node.status?.conditions, 'Ready');
    if (ready !== undefined) {
      evidence.push({
        source: 'node.status',
        message: `Ready=${ready.status} (${ready.reason ?? ''}): ${ready.message ?? ''}; last heartbeat ${age(ready.lastHeartbeatTime, now)} ago`,
        at: ready.lastHeartbeatTime === undefined ? undefined : new Date(ready.lastHeartbeatTime).toISOString(),
      });
    }
    const pressures = PRESSURES.map((type) => condition(node.status?.conditions, type)).filter(
      (c) => c?.status === 'True',
    );
    pressures.forEach((c) =>
      evidence.push({ source: 'node.status', message: `${c!.type}=True (${c!.reason ?? ''}): ${c!.message ?? ''}` }),
    );
    const taints = (node.spec?.taints ?? []).map((taint) => `${taint.key}:${taint.effect}`);
    if (taints.length > 0) evidence.push({ source: 'node.spec', message: `taints: ${taints.join(', ')}` });
    if (node.spec?.unschedulable === true) evidence.push({ source: 'node.spec', message: 'cordoned (unschedulable)' });
    const workload = snapshot.pods.filter(
      (pod) => !pod.metadata?.ownerReferences?.some((ref) => ref.kind === 'DaemonSet'),
    );
    evidence.push({
      source: 'pods',
      message: `${snapshot.pods.length} pods on the node, ${workload.length} not from DaemonSets`,
    });
    const facts: { node: NodeFacts } = {
      node: {
        name: snapshot.name,
        uid: node.metadata?.uid,
        ...(ready?.status === 'True' || ready?.status === 'False' || ready?.status === 'Unknown'
          ? { ready: ready.status }
          : {}),
        cordoned: node.spec?.unschedulable === true,
        pressures: pressures.map((c) => c!.type),
        workloadPods: workload.length,
      },
    };

    if (ready?.status === 'Unknown') {
      return {
        ...base,
        anomaly: 'node-unreachable',
        summary: `node ${snapshot.name} has not reported for ${age(ready.lastHeartbeatTime, now)} (${ready.message ?? ready.reason ?? 'no status'}): the kubelet, the machine or its network is down; its ${workload.length} workload pods are evicted once their tolerations expire, and a drain cannot hurry that (no kubelet confirms an eviction) — if the machine is gone for good, taint the node node.kubernetes.io/out-of-service=nodeshutdown:NoExecute or delete it, so its pods are replaced now`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    if (pressures.length > 0) {
      return {
        ...base,
        anomaly: 'node-pressure',
        summary: `node ${snapshot.name} reports ${pressures.map((c) => c!.type).join(', ')}: the kubelet evicts pods to recover`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    if (ready?.status === 'False') {
      return {
        ...base,
        anomaly: 'node-not-ready',
        summary: `node ${snapshot.name} reports NotReady for ${age(ready.lastTransitionTime, now)}: ${ready.message ?? ready.reason ?? ''}`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    return {
      ...base,
      anomaly: 'recovered',
      summary: `node ${snapshot.name} is Ready again`,
      confidence: 0.7,
      evidence,
      facts,
    };
  },

  audit: {
    lists: ['Node', 'Pod'],
    // Every node (they are few), and the pods on those not Ready or under pressure.
    keeps: (kept) => {
      let troubled: Set<string> | undefined;
      return {
        ...keepAll('Node'),
        Pod: (pod) => {
          // Nodes stream before pods: by the first pod, every node is kept.
          troubled ??= new Set(
            kept
              .of('Node')
              .filter(unwell)
              .map((node) => node.metadata?.name ?? ''),
          );
          return troubled.has(pod.spec?.nodeName ?? '\0');
        },
      };
    },
    *snapshots(listing) {
      for (const node of listing.of('Node')) {
        if (!unwell(node)) continue;
        const name = node.metadata?.name ?? '';
        yield { name, node, pods: listing.of('Pod').filter((pod) => pod.spec?.nodeName === name) };
      }
    },
  },
};

/** Not Ready, or under memory, disk or PID pressure. */
function unwell(node: V1Node): boolean {
  const ready = condition(node.status?.conditions, 'Ready');
  const pressure = (node.status?.conditions ?? []).some((c) => c.type.endsWith('Pressure') && c.status === 'True');
  return ready?.status !== 'True' || pressure;
}
