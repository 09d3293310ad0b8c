import type { CoreV1Event, V1StatefulSet } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { keepAll } from '../kube/listing.ts';
import { selectorString } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { creationRefusal } from './creation-refusals.ts';
import { workloadFacts } from './facts.ts';
import { gone } from './k8s-util.ts';
import { POD_CAUSE_KINDS, type PodCauseKind } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import { names, ordinalsOf, ordinalState, orderVerdict, type OrderVerdict } from './statefulset-order.ts';
import {
  keepsWithPods,
  listedPods,
  podsWithEvents,
  type PodWithEvents,
  summarizeCauses,
  WORKLOAD_PODS_READS,
} from './workload-pods.ts';

export interface StatefulSetSnapshot {
  namespace: string;
  name: string;
  statefulSet: V1StatefulSet | null;
  pods: PodWithEvents[];
  /** Warning events about the StatefulSet itself (FailedCreate when the API server refuses a pod). */
  events?: CoreV1Event[];
}

export type StatefulSetAnomaly =
  | PodCauseKind
  | 'gone'
  | 'create-refused'
  | 'pod-missing'
  | 'update-on-delete'
  | 'update-partitioned'
  | 'replicas-mismatch';

export const statefulSetHealth: Detector<StatefulSetSnapshot, StatefulSetAnomaly> = {
  name: 'statefulset-health',
  description:
    'KubeStatefulSetReplicasMismatch, KubeStatefulSetUpdateNotRolledOut, KubeStatefulSetGenerationMismatch: a pod the API server refused to create, which ordinal the controller waits on and why it is not ready (with OrderedReady the lowest unready pod blocks the higher ones; an update waits on the highest), and why an update stops (OnDelete strategy, a partition).',
  reads: [{ apiGroup: 'apps', resource: 'statefulsets', verbs: ['get'] }, ...WORKLOAD_PODS_READS],
  anomalies: {
    ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, ['workload']])) as Record<PodCauseKind, ['workload']>),
    gone: [],
    'create-refused': ['workload'],
    'pod-missing': ['workload'],
    'update-on-delete': ['workload'],
    'update-partitioned': ['workload'],
    'replicas-mismatch': ['workload'],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'statefulset');
    const statefulSet = await orNull(kube.read('StatefulSet', name, namespace));
    if (statefulSet === null) return { namespace, name, statefulSet, pods: [], events: [] };
    const [pods, events] = await Promise.all([
      podsWithEvents(kube, namespace, statefulSet.spec?.selector),
      kube.listWarningEvents(namespace, { kind: 'StatefulSet', name, uid: statefulSet.metadata?.uid }),
    ]);
    return { namespace, name, statefulSet, pods, events };
  },

  diagnose: (snapshot) => {
    const target = {
      kind: 'StatefulSet',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.statefulSet?.metadata?.uid,
    };
    const base = { detector: statefulSetHealth.name, target };
    const sts = snapshot.statefulSet;
    if (sts === null) return gone(base, `statefulset ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const facts = { workload: workloadFacts('StatefulSet', sts) };
    const desired = sts.spec?.replicas ?? 1;
    const ready = sts.status?.readyReplicas ?? 0;
    const updated = sts.status?.updatedReplicas ?? 0;
    const evidence: Evidence[] = [
      {
        source: 'statefulset.status',
        message: `${ready} of ${desired} ready, ${updated} updated; current revision ${sts.status?.currentRevision ?? '?'}, update revision ${sts.status?.updateRevision ?? '?'}`,
      },
    ];
    // Fewer pods than asked for, and the controller reports the API server refusing one: that is why.
    const refusal = (sts.status?.replicas ?? 0) < desired ? creationRefusal(snapshot.events ?? []) : undefined;
    if (refusal !== undefined) {
      return {
        ...base,
        anomaly: 'create-refused',
        summary: `statefulset ${snapshot.namespace}/${snapshot.name} has ${sts.status?.replicas ?? 0} of ${desired} pods because ${refusal.by} refused to create the next one: ${refusal.message}`,
        confidence: 0.85,
        evidence: [refusal.evidence, ...evidence],
        facts,
      };
    }
    const verdict = orderVerdict(sts, ordinalsOf(sts, snapshot.pods));
    if (verdict.unready.length > 0) {
      const { anomaly, summary, found } = describeOrder(sts, verdict);
      return { ...base, anomaly, summary, confidence: 0.7, evidence: [...evidence, ...found], facts };
    }
    // Pods outside the ordinals (being scaled away, or past the listing's bound).
    const { primary, unhealthy } = summarizeCauses(snapshot.pods);
    if (primary !== undefined) {
      evidence.push(...primary.cause.evidence);
      return {
        ...base,
        anomaly: primary.cause.kind,
        summary: `${unhealthy} of ${snapshot.pods.length} pods are unhealthy — ${primary.cause.summary}`,
        confidence: 0.6,
        evidence,
        facts,
      };
    }
    const strategy = sts.spec?.updateStrategy;
    if (strategy?.type === 'OnDelete' && sts.status?.currentRevision !== sts.status?.updateRevision) {
      return {
        ...base,
        anomaly: 'update-on-delete',
        summary: `statefulset ${snapshot.name} uses the OnDelete update strategy: its pods move to revision ${sts.status?.updateRevision ?? '?'} only when deleted`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      return {
        ...base,
        anomaly: 'update-partitioned',
        summary: `statefulset ${snapshot.name} has rollingUpdate.partition ${partition}: ordinals below it stay on the old revision until the partition is lowered`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    return {
      ...base,
      anomaly: 'replicas-mismatch',
      summary: `${ready} of ${desired} replicas ready and no pod reports a problem: the rollout may still be converging`,
      confidence: 0.4,
      evidence,
      facts,
    };
  },

  audit: {
    lists: ['StatefulSet', 'Pod', 'Node'],
    // The StatefulSets behind or mid-update, and their pods.
    keeps: () => ({
      ...keepAll('Node'),
      ...keepsWithPods('StatefulSet', behindOrUpdating, (sts) => selectorString(sts.spec?.selector)),
    }),
    *snapshots(listing) {
      for (const sts of listing.of('StatefulSet')) {
        if (!behindOrUpdating(sts)) continue;
        const namespace = sts.metadata?.namespace ?? '';
        yield {
          namespace,
          name: sts.metadata?.name ?? '',
          statefulSet: sts,
          pods: listedPods(listing, namespace, selectorString(sts.spec?.selector)),
        };
      }
    },
  },
};

/** One sentence naming the ordinal the controller waits on and what waits behind it, with its evidence. */
function describeOrder(
  sts: V1StatefulSet,
  verdict: OrderVerdict,
): { anomaly: StatefulSetAnomaly; summary: string; found: Evidence[] } {
  const { blocking, waiting, unready } = verdict;
  const subject = blocking ?? unready.find((entry) => entry.cause !== undefined) ?? unready[0]!;
  const anomaly = subject.cause?.kind ?? 'pod-missing';
  const found: Evidence[] = [
    ...verdict.evidence,
    ...(subject.revision === undefined
      ? []
      : [{ source: 'pod.metadata', message: `${subject.name} is at revision ${subject.revision}` }]),
    ...(subject.cause?.evidence ??
      (subject.missing
        ? [
            {
              source: 'statefulset.status',
              message: `pod ${subject.name} not found; the controller has ${sts.status?.replicas ?? 0} of ${sts.spec?.replicas ?? 1} pods`,
            },
          ]
        : [])),
  ];
  const current = sts.status?.currentRevision ?? '?';
  const update = sts.status?.updateRevision ?? '?';
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const rolling = (sts.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const pending = rolling && sts.status?.currentRevision !== sts.status?.updateRevision;
  if (blocking === undefined) {
    const verb = unready.length === 1 ? 'is' : 'are';
    return {
      anomaly,
      summary: `${names(unready)} ${verb} not ready (${subject.cause?.summary ?? `${subject.name} does not exist`}); with Parallel pod management no ordinal waits on another`,
      found,
    };
  }
  const held =
    pending && partition > 0
      ? `; partition ${partition} keeps the ordinals below ${partition} on revision ${current}`
      : '';
  if (verdict.updating) {
    const which = blocking.missing ? 'which does not exist' : `which is not ready (${subject.cause?.summary ?? ''})`;
    const kept =
      waiting.length === 0 ? '' : `, so ${names(waiting)} keep${waiting.length === 1 ? 's' : ''} revision ${current}`;
    return {
      anomaly,
      summary: `the rolling update to revision ${update} waits for ${blocking.name}, ${which}${kept}${held}`,
      found,
    };
  }
  const behind = [
    ...(waiting.length === 0 ? [] : [`${names(waiting)} wait${waiting.length === 1 ? 's' : ''} behind it`]),
    ...(pending ? [`the update to revision ${update} waits for it`] : []),
  ];
  return {
    anomaly,
    summary: `${ordinalState(blocking)}${behind.length === 0 ? '' : `, so ${behind.join(' and ')}`}${held}`,
    found,
  };
}

function behindOrUpdating(sts: V1StatefulSet): boolean {
  const behind = (sts.status?.readyReplicas ?? 0) < (sts.spec?.replicas ?? 1);
  return behind || sts.status?.currentRevision !== sts.status?.updateRevision;
}
