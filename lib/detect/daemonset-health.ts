import type { V1DaemonSet, V1Node, V1Taint, V1Toleration } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { selectorString } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { workloadFacts } from './facts.ts';
import { gone } from './k8s-util.ts';
import { POD_CAUSE_KINDS, type PodCauseKind } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import {
  listedPods,
  podsWithEvents,
  summarizeCauses,
  WORKLOAD_PODS_READS,
  type PodWithEvents,
} from './workload-pods.ts';

export interface DaemonSetSnapshot {
  namespace: string;
  name: string;
  daemonSet: V1DaemonSet | null;
  pods: PodWithEvents[];
  nodes: V1Node[];
}

export type DaemonSetAnomaly = PodCauseKind | 'gone' | 'untolerated-taints' | 'rollout-converging';

export const daemonSetHealth: Detector<DaemonSetSnapshot, DaemonSetAnomaly> = {
  name: 'daemonset-health',
  description:
    'KubeDaemonSetRolloutStuck, KubeDaemonSetNotScheduled: why its pods are unhealthy, and which nodes it does not run on because of taints it does not tolerate.',
  reads: [
    { apiGroup: 'apps', resource: 'daemonsets', verbs: ['get'] },
    ...WORKLOAD_PODS_READS,
    { apiGroup: '', resource: 'nodes', verbs: ['list'] },
  ],
  anomalies: {
    ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, ['workload']])) as Record<PodCauseKind, ['workload']>),
    gone: [],
    'untolerated-taints': ['workload'],
    'rollout-converging': ['workload'],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'daemonset');
    const daemonSet = await orNull(kube.read('DaemonSet', name, namespace));
    if (daemonSet === null) return { namespace, name, daemonSet, pods: [], nodes: [] };
    const [pods, nodes] = await Promise.all([
      podsWithEvents(kube, namespace, daemonSet.spec?.selector, 200),
      kube.list('Node', { max: 1000 }),
    ]);
    return { namespace, name, daemonSet, pods, nodes };
  },

  diagnose: (snapshot) => {
    const target = {
      kind: 'DaemonSet',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.daemonSet?.metadata?.uid,
    };
    const base = { detector: daemonSetHealth.name, target };
    const ds = snapshot.daemonSet;
    if (ds === null) return gone(base, `daemonset ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const facts = { workload: workloadFacts('DaemonSet', ds) };
    const status = ds.status;
    const evidence: Evidence[] = [
      {
        source: 'daemonset.status',
        message: `desired ${status?.desiredNumberScheduled ?? 0}, scheduled ${status?.currentNumberScheduled ?? 0}, ready ${status?.numberReady ?? 0}, updated ${status?.updatedNumberScheduled ?? 0}, misscheduled ${status?.numberMisscheduled ?? 0}`,
      },
    ];
    const { primary, unhealthy } = summarizeCauses(snapshot.pods);
    if (primary !== undefined) {
      evidence.push(...primary.cause.evidence);
      return {
        ...base,
        anomaly: primary.cause.kind,
        summary: `${unhealthy} of ${snapshot.pods.length} pods are unhealthy — ${primary.cause.summary}`,
        confidence: 0.7,
        evidence,
        facts,
      };
    }
    const running = new Set(snapshot.pods.map(({ pod }) => pod.spec?.nodeName));
    const tolerations = ds.spec?.template.spec?.tolerations ?? [];
    const excluded = snapshot.nodes
      .filter((node) => !running.has(node.metadata?.name))
      .map((node) => ({
        node: node.metadata?.name ?? '',
        blocking: (node.spec?.taints ?? []).filter((taint) => !tolerated(taint, tolerations)),
      }))
      .filter((entry) => entry.blocking.length > 0);
    if (excluded.length > 0) {
      const examples = excluded
        .slice(0, 3)
        .map(
          (entry) => `${entry.node} (${entry.blocking.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).join(', ')})`,
        );
      return {
        ...base,
        anomaly: 'untolerated-taints',
        summary: `${excluded.length} node${excluded.length === 1 ? ' has' : 's have'} taints the DaemonSet does not tolerate, e.g. ${examples.join('; ')}: add tolerations if it must run there`,
        confidence: 0.7,
        evidence,
        facts,
      };
    }
    return {
      ...base,
      anomaly: 'rollout-converging',
      summary:
        'no pod reports a problem and every node without a pod is explained by nothing here: the rollout may still be converging (maxUnavailable)',
      confidence: 0.3,
      evidence,
      facts,
    };
  },

  audit: {
    lists: ['DaemonSet', 'Pod', 'Node'],
    *snapshots(listing) {
      for (const ds of listing.of('DaemonSet')) {
        const status = ds.status;
        const short = (status?.numberReady ?? 0) < (status?.desiredNumberScheduled ?? 0);
        if (!short && (status?.numberMisscheduled ?? 0) === 0) continue;
        const namespace = ds.metadata?.namespace ?? '';
        yield {
          namespace,
          name: ds.metadata?.name ?? '',
          daemonSet: ds,
          pods: listedPods(listing, namespace, selectorString(ds.spec?.selector)),
          nodes: [...listing.of('Node')],
        };
      }
    },
  },
};

/** Tolerations the DaemonSet controller adds to every DaemonSet pod. */
const DAEMONSET_DEFAULT_TOLERATIONS = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
];

function tolerated(taint: V1Taint, tolerations: readonly V1Toleration[]): boolean {
  if (taint.effect === 'PreferNoSchedule' || DAEMONSET_DEFAULT_TOLERATIONS.includes(taint.key)) return true;
  return tolerations.some(
    (toleration) =>
      (toleration.key === undefined || toleration.key === taint.key) &&
      (toleration.effect === undefined || toleration.effect === '' || toleration.effect === taint.effect) &&
      (toleration.operator === 'Exists' || toleration.value === taint.value),
  );
}
